/**
 * Per-caller fairness: one caller (JWT subject, API key, or client address when anonymous) may start at most
 * `perSecond` calls of an action in any sliding second, a share of the action's budget, so one greedy caller
 * cannot fill the throttle queue that everyone else waits in. Counted per call, not per retry attempt.
 */
import { RateLimitedError } from '../errors.js';

export interface CallerQuotaOptions {
  /** Calls one caller may start per action per window. */
  perSecond: number;
  /** @default 1000 */
  windowMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Admits calls per caller and action. */
export interface CallerQuota {
  /** Records one call, or throws RateLimitedError (with the wait until the caller's oldest call leaves the window). */
  admit(callerId: string, action: string): void;
  /** Callers currently tracked (for tests and memory bounds). */
  readonly trackedKeys: number;
}

/** Creates a sliding-window quota; idle callers are forgotten as their windows empty. */
export function createCallerQuota(options: CallerQuotaOptions): CallerQuota {
  const { perSecond } = options;
  if (!Number.isInteger(perSecond) || perSecond < 1) throw new TypeError(`Expected \`perSecond\` to be a positive integer, got ${perSecond}`);
  const windowMs = options.windowMs ?? 1000;
  const now = options.now ?? Date.now;
  const calls = new Map<string, number[]>();
  let admissionsSinceSweep = 0;

  /** Drops callers whose every call has left the window, so memory follows active callers only. */
  function sweep(at: number): void {
    for (const [key, times] of calls) if ((times.at(-1) ?? 0) <= at - windowMs) calls.delete(key);
  }

  return {
    get trackedKeys() {
      return calls.size;
    },
    admit(callerId, action) {
      const at = now();
      if (++admissionsSinceSweep >= 1000) {
        admissionsSinceSweep = 0;
        sweep(at);
      }
      const key = `${action}\u0000${callerId}`;
      const times = (calls.get(key) ?? []).filter((time) => time > at - windowMs);
      if (times.length >= perSecond) {
        calls.set(key, times);
        const waitMs = (times[0] as number) + windowMs - at;
        throw new RateLimitedError(
          `This caller has used its share of ${action}: ${perSecond} calls per second; other callers are still being served.`,
          { action, retryAfterSeconds: waitMs / 1000 },
        );
      }
      times.push(at);
      calls.set(key, times);
    },
  };
}
