/**
 * The gateway's single throttle boundary: at most `limit` upstream attempts per action in any sliding window of
 * arrivals, with a bounded wait queue.
 *
 * Two rules decide when a slot opens:
 * 1. p-throttle paces slots evenly, one every (window + guard) / limit ms (51.25 ms at 20/s), instead of
 *    releasing bursts of `limit`: a burst leaves the process over tens of milliseconds and its tail would share
 *    the upstream's next one-second window with the following burst.
 * 2. A slot never opens less than window + guard after the moment the request `limit` slots back actually left
 *    the process (`UpstreamSlot.markSent`). A request that was slow to leave — the first on a cold process, a
 *    new TLS connection — would otherwise be counted upstream later than it was granted here.
 *
 * 3. With a shared budget (several replicas), the budget, kept in Redis, paces the slots of all replicas
 *    together, in place of rule 1.
 *
 * p-throttle reserves its slot at call time, so a caller that left while queued would still burn one; to avoid
 * that, callers wait in our own FIFO and only one p-throttle call is outstanding at a time: when its slot opens
 * it goes to the first caller still waiting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pThrottle from 'p-throttle';
import { RateLimitedError } from '../errors.js';

/** Window of Tencent's limit ("20 requests per second"). */
export const RATE_WINDOW_MS = 1000;
/**
 * Added to the window: the jitter between a request leaving the process and reaching the upstream that the
 * spacing absorbs. Costs 1 - 1000/1025 = 2.4% of the budget.
 */
export const RATE_WINDOW_GUARD_MS = 25;

export interface ActionThrottleOptions {
  /** Slots per window; `Infinity` lifts the throttle (benchmarks measure the gateway without it). */
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
  /**
   * The budget shared with other replicas: takes one slot of `limit` per `windowMs` and resolves 0, or resolves
   * the ms until one frees. @default none (this process owns the whole budget)
   */
  takeSharedSlot?: (limit: number, windowMs: number) => Promise<number>;
}

/** A granted slot: the holder may send one request, and reports when it left. */
export interface UpstreamSlot {
  /** Records when the request was handed to the network (defaults to the grant time if never called). */
  markSent(at: number): void;
}

/** One action's throttle. */
export interface ActionThrottle {
  /**
   * Resolves when the caller may send one request. Rejects at once with RateLimitedError when the expected wait
   * exceeds the queue bound, and with `signal.reason` if the signal aborts while queued (no slot is spent).
   */
  acquire(signal?: AbortSignal): Promise<UpstreamSlot>;
  /** Callers currently waiting. */
  readonly queueDepth: number;
  /** The wait a caller arriving now would expect, in ms. */
  expectedWaitMs(): number;
}

interface Waiter {
  resolve(slot: UpstreamSlot): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

interface SlotRecord {
  sentAt: number;
}

/** Creates the throttle of one action. */
export function createActionThrottle(options: ActionThrottleOptions): ActionThrottle {
  const { limit, maxQueueWaitMs, action } = options;
  if (limit === Number.POSITIVE_INFINITY) return createUnthrottled();
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected \`limit\` to be a positive integer, got ${limit}`);
  if (!(maxQueueWaitMs >= 0)) throw new TypeError(`Expected \`maxQueueWaitMs\` to be >= 0, got ${maxQueueWaitMs}`);
  const now = options.now ?? Date.now;
  const windowMs = (options.windowMs ?? RATE_WINDOW_MS) + (options.guardMs ?? RATE_WINDOW_GUARD_MS);
  const spacingMs = windowMs / limit;

  const nextPacedSlot = pThrottle({ limit: 1, interval: spacingMs, strict: true })(() => undefined);
  const waiters: Waiter[] = [];
  /** The latest `limit` slots, oldest first. */
  const recent: SlotRecord[] = [];
  let pumping = false;

  function remove(waiter: Waiter): void {
    const index = waiters.indexOf(waiter);
    if (index !== -1) waiters.splice(index, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  /** Waits until the slot `limit` places back left the process a full window (plus guard) ago. */
  async function respectSendTimes(): Promise<void> {
    const oldest = recent.length >= limit ? recent[recent.length - limit] : undefined;
    const wait = oldest ? oldest.sentAt + windowMs - now() : 0;
    if (wait > 0) await sleep(wait);
  }

  /** Waits for a slot of the shared budget; false when every caller left meanwhile (nothing taken then). */
  async function takeSharedSlot(): Promise<boolean> {
    if (!options.takeSharedSlot) return true;
    for (;;) {
      if (waiters.length === 0) return false;
      const wait = await options.takeSharedSlot(limit, windowMs);
      if (wait <= 0) return true;
      await sleep(wait);
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (waiters.length > 0) {
        // A shared budget paces every replica's slots itself; pacing here as well would only add delay.
        if (!options.takeSharedSlot) await nextPacedSlot();
        await respectSendTimes();
        if (!(await takeSharedSlot())) break;
        const waiter = waiters[0];
        // Everyone left while the slot was pending: that one slot is lost, as it was already counted.
        if (!waiter) break;
        remove(waiter);
        const record: SlotRecord = { sentAt: now() };
        recent.push(record);
        if (recent.length > limit) recent.shift();
        waiter.resolve({
          markSent(at) {
            record.sentAt = Math.max(record.sentAt, at);
          },
        });
      }
    } finally {
      pumping = false;
    }
  }

  /** When the caller at `position` (1 = next) would be granted, counted from now. */
  function expectedWaitFor(position: number): number {
    const at = now();
    const last = recent.at(-1);
    const nextPaced = last ? Math.max(at, last.sentAt + spacingMs) : at;
    return nextPaced + (position - 1) * spacingMs - at;
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
      return new Promise<UpstreamSlot>((resolve, reject) => {
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

/** A throttle that admits everything at once. */
function createUnthrottled(): ActionThrottle {
  const slot: UpstreamSlot = { markSent: () => undefined };
  return {
    queueDepth: 0,
    expectedWaitMs: () => 0,
    acquire: (signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(slot)),
  };
}
