/**
 * A sliding-window rate limit per key (here: per action, region and key pair), as Tencent documents it: at most
 * `limit` requests in any window of `windowMs`.
 */

/** Admits or refuses one request for a key. */
export interface RateWindow {
  /**
   * Admits the request if fewer than `limit` admitted requests fall in the last `windowMs`. Only admitted
   * requests enter the window: a refused one does not push later requests out, so a client that backs off after a
   * refusal gets through once the window slides, rather than being locked out by its own retries.
   * `arrivedAt` (on the `now` clock) is when the request arrived; the window counts arrivals, not the moment a
   * busy server got round to checking them. @default now()
   */
  tryAdmit(key: string, arrivedAt?: number): { admitted: true } | { admitted: false; inWindow: number };
}

/** What the window needs. */
export interface RateWindowOptions {
  /** Requests allowed per window and key. */
  limit: number;
  /** @default 1000 */
  windowMs?: number;
  /** A monotonic clock in ms: wall-clock jumps must not open or close the window. */
  now: () => number;
}

/** Creates an empty window. */
export function createRateWindow(options: RateWindowOptions): RateWindow {
  const windowMs = options.windowMs ?? 1000;
  const admittedAt = new Map<string, number[]>();

  return {
    tryAdmit(key, arrivedAt) {
      const now = arrivedAt ?? options.now();
      const times = (admittedAt.get(key) ?? []).filter((time) => now - time < windowMs);
      admittedAt.set(key, times);
      if (times.length >= options.limit) return { admitted: false, inWindow: times.length };
      times.push(now);
      return { admitted: true };
    },
  };
}
