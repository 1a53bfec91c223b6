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

/**
 * How long admissions are remembered: a request is checked once its body has arrived, against the moment its
 * headers did, which a slow 8 MiB upload puts seconds before requests admitted meanwhile. One checked later than
 * this after its headers is judged only against the admissions still remembered.
 */
export const ADMISSIONS_REMEMBERED_MS = 60_000;

/** Admission times of one key, in order; `head` skips those forgotten, so forgetting is not a shift per request. */
interface Admissions {
  times: number[];
  head: number;
}

/** The first index at or after `from` whose time is above `value`, or at or above it when `orEqual` (times are in order). */
function firstIndexPast(times: number[], from: number, value: number, orEqual = false): number {
  let low = from;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const time = times[middle] as number;
    if (time < value || (!orEqual && time === value)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Creates an empty window. */
export function createRateWindow(options: RateWindowOptions): RateWindow {
  const windowMs = options.windowMs ?? 1000;
  const admittedAt = new Map<string, Admissions>();

  return {
    tryAdmit(key, arrivedAt) {
      const now = options.now();
      const at = arrivedAt ?? now;
      let admissions = admittedAt.get(key);
      if (!admissions) admittedAt.set(key, (admissions = { times: [], head: 0 }));
      const { times } = admissions;
      admissions.head = firstIndexPast(times, admissions.head, now - ADMISSIONS_REMEMBERED_MS - windowMs);
      if (admissions.head > 1024 && admissions.head * 2 > times.length) {
        times.splice(0, admissions.head);
        admissions.head = 0;
      }
      // The admissions less than a window from this request: [first, end), those up to it before `after`.
      const first = firstIndexPast(times, admissions.head, at - windowMs);
      const after = firstIndexPast(times, first, at);
      const end = firstIndexPast(times, after, at + windowMs, true);
      let inWindow = after - first; // the window that ends with this request
      if (end - first >= options.limit) {
        // A request that arrived before others already admitted (a slow body) counts in their windows too: the
        // fullest window holding it starts at one of the admissions at or before it, or at the request itself.
        let last = after;
        for (let start = first; start < after; start += 1) {
          while (last < end && (times[last] as number) < (times[start] as number) + windowMs) last += 1;
          inWindow = Math.max(inWindow, last - start);
        }
        inWindow = Math.max(inWindow, end - firstIndexPast(times, first, at, true));
      }
      if (inWindow >= options.limit) return { admitted: false, inWindow };
      times.splice(after, 0, at);
      return { admitted: true };
    },
  };
}
