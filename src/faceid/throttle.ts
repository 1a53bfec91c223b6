/**
 * The gateway's single throttle boundary: at most `limit` upstream attempts per action in any sliding window,
 * with a bounded wait queue.
 *
 * p-throttle (strict mode) decides *when* a slot opens. It reserves a slot at call time, so a caller that left
 * while queued would still burn one; to avoid that, callers wait in our own FIFO and only one p-throttle call is
 * outstanding at a time: when its slot opens it goes to the first caller still waiting.
 */
import pThrottle from 'p-throttle';
import { RateLimitedError } from '../errors.js';

/** Window of Tencent's limit ("20 requests per second"). */
export const RATE_WINDOW_MS = 1000;
/**
 * Added to the window so that the time between taking a slot and the request reaching Tencent (signing, socket,
 * network jitter) cannot squeeze 21 arrivals into one second. Costs 2.4% of the budget at 20/s.
 */
export const RATE_WINDOW_GUARD_MS = 25;

export interface ActionThrottleOptions {
  /** Slots per window. */
  limit: number;
  /** Longest expected wait a caller is queued for; beyond it the caller gets RATE_LIMITED at once. */
  maxQueueWaitMs: number;
  /** Name used in error messages (the Tencent action). */
  action: string;
  /** @default RATE_WINDOW_MS */
  windowMs?: number;
  /** @default RATE_WINDOW_GUARD_MS */
  guardMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** One action's throttle. */
export interface ActionThrottle {
  /**
   * Resolves when the caller may send one request. Rejects at once with RateLimitedError when the expected wait
   * exceeds the queue bound, and with `signal.reason` if the signal aborts while queued (no slot is spent).
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Callers currently waiting. */
  readonly queueDepth: number;
  /** The wait a caller arriving now would expect, in ms. */
  expectedWaitMs(): number;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** Creates the throttle of one action. */
export function createActionThrottle(options: ActionThrottleOptions): ActionThrottle {
  const { limit, maxQueueWaitMs, action } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected \`limit\` to be a positive integer, got ${limit}`);
  if (!(maxQueueWaitMs >= 0)) throw new TypeError(`Expected \`maxQueueWaitMs\` to be >= 0, got ${maxQueueWaitMs}`);
  const now = options.now ?? Date.now;
  const windowMs = (options.windowMs ?? RATE_WINDOW_MS) + (options.guardMs ?? RATE_WINDOW_GUARD_MS);

  const nextSlot = pThrottle({ limit, interval: windowMs, strict: true })(() => undefined);
  const waiters: Waiter[] = [];
  /** Times of the latest `limit` grants, oldest first: enough to predict when the next slots open. */
  const grantTimes: number[] = [];
  let pumping = false;

  function remove(waiter: Waiter): void {
    const index = waiters.indexOf(waiter);
    if (index !== -1) waiters.splice(index, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (waiters.length > 0) {
        await nextSlot();
        const waiter = waiters[0];
        // Everyone left while the slot was pending: that one slot is lost, as it was already counted.
        if (!waiter) break;
        remove(waiter);
        grantTimes.push(now());
        if (grantTimes.length > limit) grantTimes.shift();
        waiter.resolve();
      }
    } finally {
      pumping = false;
    }
  }

  function expectedWaitFor(position: number): number {
    const at = now();
    const times = grantTimes.filter((time) => time > at - windowMs);
    let slot = at;
    for (let k = 0; k < position; k += 1) {
      slot = times.length < limit ? at : Math.max(at, (times[times.length - limit] as number) + windowMs);
      times.push(slot);
    }
    return slot - at;
  }

  return {
    get queueDepth() {
      return waiters.length;
    },
    expectedWaitMs: () => expectedWaitFor(waiters.length + 1),
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const wait = expectedWaitFor(waiters.length + 1);
      if (wait > maxQueueWaitMs) {
        return Promise.reject(
          new RateLimitedError(
            `Too many ${action} requests: the next slot is ${Math.ceil(wait)} ms away, beyond the ${maxQueueWaitMs} ms queue bound.`,
            { action, retryAfterSeconds: wait / 1000 },
          ),
        );
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            remove(waiter);
            reject(signal?.reason);
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        waiters.push(waiter);
        void pump();
      });
    },
  };
}
