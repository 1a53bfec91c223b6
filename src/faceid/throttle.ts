/**
 * The gateway's single throttle boundary: at most `limit` upstream attempts per action in any sliding window of
 * arrivals, shared fairly between callers, with bounded waits and a bounded queue.
 *
 * Who gets the next slot: the fair queue (fair-queue.ts), one FIFO per caller served round-robin (deficit round
 * robin with a one-request quantum). A caller alone gets every slot; k busy callers get at least 1/k each.
 *
 * When a slot opens:
 * 1. p-throttle paces slots evenly, one every (window + guard) / limit ms (51.25 ms at 20/s), instead of
 *    releasing bursts of `limit`: a burst leaves the process over tens of milliseconds and its tail would share
 *    the upstream's next one-second window with the following burst. Where that spacing is shorter than
 *    PACING_BURST_SPAN_MS (limits above about 100/s), slots are released in small bursts that span it instead:
 *    timers fire on whole milliseconds, so pacing one by one at sub-millisecond spacing would hold every call
 *    for a timer even when the budget is nowhere near spent. Slots p-throttle could not open on time because
 *    the event loop was busy are made up as soon as it comes back, up to PACING_CATCH_UP_MS of them.
 * 2. A slot never opens less than window + guard after the moment the request `limit` slots back actually left
 *    the process (`UpstreamSlot.markSent`). A request that was slow to leave — the first on a cold process, a
 *    new TLS connection — would otherwise be counted upstream later than it was granted here.
 * 3. With a shared budget (several replicas), the budget, kept in Redis, paces the slots of all replicas
 *    together and picks which of this replica's callers may take one, in place of rule 1. When Redis does not
 *    answer, rule 1 applies again (fail open to this replica's own limit).
 *
 * Admission: a request is refused at once (RateLimitedError, with the wait as `retryAfter`) when the wait its own
 * place in the round-robin order implies exceeds `maxQueueWaitMs`, or when a queue cap is reached.
 *
 * p-throttle reserves its slot at call time, so a caller that left while queued would still burn one; to avoid
 * that, only one p-throttle call is outstanding at a time, and the slot goes to whoever's turn it is when it opens.
 */
import pThrottle from 'p-throttle';
import { RateLimitedError } from '../errors.js';
import { createFairQueue, type FairQueueRefusal } from './fair-queue.js';

/** Window of Tencent's limit ("20 requests per second"). */
export const RATE_WINDOW_MS = 1000;
/**
 * Added to the window: the jitter between a request leaving the process and reaching the upstream that the
 * spacing absorbs. Costs 1 - 1000/1025 = 2.4% of the budget.
 */
export const RATE_WINDOW_GUARD_MS = 25;
/**
 * Callers of this replica offered to the shared budget per slot (the first ones in round-robin order): bounds the
 * size of one Redis call; callers further back are offered once those ahead are served.
 */
export const MAX_SHARED_CANDIDATES = 32;

/**
 * Shortest interval the pacer times: below it, slots are released in bursts of up to this many milliseconds' worth
 * (at 1000/s, 9 slots per 9.2 ms) rather than one per sub-millisecond timer. Node's timers have 1 ms resolution;
 * 10 ms of slots is at most 1% of a window's budget, far from the window-sized bursts even pacing exists to avoid.
 */
export const PACING_BURST_SPAN_MS = 10;

/**
 * How far behind its pace the local pacer may fall and still make up the slots it missed. p-throttle opens a slot
 * one spacing after the previous one actually opened, on a timer; while the event loop is busy for hundreds of
 * milliseconds at a time (a flood of requests being refused), that timer fires late and every slot due meanwhile
 * was lost: measured, 2.9 requests a second reached Tencent of the 20 allowed while 1,200 clients retried at once.
 * Slots that fell due within this span while requests waited are granted as soon as the loop comes back to them,
 * each still held by rule 2, so no window ever holds more than `limit`. 500 ms at 20/s: up to 10 at once.
 */
export const PACING_CATCH_UP_MS = 500;

/**
 * How far the wall clock may move against the monotonic one between two slots before the pacer is rebuilt.
 * p-throttle times slots on the wall clock (Date.now): set back a minute (an NTP step, a VM resumed), it held the
 * next slot for that minute. The throttle's own rules count on the monotonic clock, which no step moves.
 */
export const CLOCK_STEP_TOLERANCE_MS = 250;

/** Milliseconds on a clock that only moves forward, at the pace of real time. */
const monotonicNow = (): number => performance.now();

/** Why a request was refused before reaching the upstream. */
export type ThrottleRefusal = 'queue_wait_exceeded' | FairQueueRefusal;

/** One caller of this replica that has requests waiting, as offered to the shared budget. */
export interface SharedSlotCandidate {
  callerId: string;
  /** Requests it has waiting here. */
  queued: number;
}

/** A slot the shared budget granted to one of the candidates. */
export interface SharedGrant {
  /** Index in the candidates of the caller that may take it. */
  index: number;
  /** Reports how long after the grant the request left the process; resolves once the budget has it. */
  markSent?(delayMs: number): void | Promise<void>;
}

/** The shared budget's answer to a request for slots. */
export interface SharedSlotAnswer {
  /** The slots granted now, in the order they fell due; empty when none may be taken yet. */
  granted: SharedGrant[];
  /** When none was granted: ms until one of the candidates may ask again. */
  waitMs: number;
  /** Callers with requests waiting on any replica. */
  busyCallers: number;
  /** Per-replica caller queues with requests waiting: a caller waiting on two replicas counts twice. */
  busyQueues: number;
  /** Replicas that asked the shared budget lately, this one included. @default 1 */
  replicas?: number;
}

/** Options of createActionThrottle. */
export interface ActionThrottleOptions {
  /** Slots per window; `Infinity` lifts the throttle (benchmarks measure the gateway without it). */
  limit: number;
  /** Longest expected wait a request is queued for; beyond it the request gets RATE_LIMITED at once. */
  maxQueueWaitMs: number;
  /** Name used in error messages (the Tencent action). */
  action: string;
  /** @default RATE_WINDOW_MS */
  windowMs?: number;
  /** @default RATE_WINDOW_GUARD_MS */
  guardMs?: number;
  /** The clock of the throttle's own rules: it must never step. @default performance.now (monotonic) */
  now?: () => number;
  /** The wall clock p-throttle reads, to notice it stepping. @default Date.now */
  wallNow?: () => number;
  /** Resolves after `ms`. @default a global setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Opt-in hard cap: the largest share (0–1] of the slots of one window one caller may take, even when nobody
   * else waits. @default none (fair queuing alone: a caller alone may use the whole budget)
   */
  callerMaxShare?: number | undefined;
  /** @default MAX_QUEUED_PER_ACTION */
  maxQueued?: number | undefined;
  /** @default MAX_QUEUED_PER_CALLER */
  maxQueuedPerCaller?: number | undefined;
  /**
   * The budget shared with other replicas: grants `candidates` up to `maxGrants` slots of `limit` per `windowMs`,
   * or says how long to wait; resolves undefined when it cannot be asked (this replica then paces itself).
   * @default none (this process owns the whole budget)
   */
  takeSharedSlot?: (
    candidates: SharedSlotCandidate[],
    limit: number,
    windowMs: number,
    maxGrants: number,
  ) => Promise<SharedSlotAnswer | undefined>;
  /** Called for every refusal, with its reason (metrics). */
  onRefused?: (reason: ThrottleRefusal) => void;
}

/**
 * A granted slot: the holder may send one request, reports when it left, and releases the slot when its attempt is
 * over. Until then the request counts as not having left yet: rule 2 waits for it rather than count it as sent at
 * its grant, so the holder must always release.
 */
export interface UpstreamSlot {
  /** Records that the request was handed to the network, now (on the throttle's clock). */
  markSent(): void;
  /** The attempt is over, sent or not; a request that never reported leaving counts as having left now. */
  release(): void;
}

/** One action's throttle. */
export interface ActionThrottle {
  /**
   * Resolves when `callerId` may send one request. Rejects at once with RateLimitedError when the caller's expected
   * wait exceeds the queue bound or a queue is full, and with `signal.reason` if the signal aborts while queued
   * (no slot is spent).
   */
  acquire(callerId: string, signal?: AbortSignal): Promise<UpstreamSlot>;
  /** Requests currently waiting. */
  readonly queueDepth: number;
  /** Callers with requests waiting on this replica. */
  readonly busyCallers: number;
  /** The wait a request of `callerId` arriving now would expect, in ms. */
  expectedWaitMs(callerId: string): number;
  /**
   * Callers the throttle keeps per-caller state for outside its queue (grants of the last window, the hard cap's
   * grant times): at most 2 × `limit` once their grants leave the window, however many callers came before.
   */
  readonly trackedCallers: number;
}

interface Waiter {
  resolve(slot: UpstreamSlot): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** Refuses the waiter: it was pushed out of the full queue for a caller with fewer waiting. */
  evict: () => void;
}

/** A slot granted to a waiter, not yet handed over. */
interface Grant {
  callerId: string;
  waiter: Waiter;
  /** With a shared budget: reports the send delay of the slot to it. */
  markShared?: (delayMs: number) => void;
  /** With a shared budget: when it was asked for the slot. */
  askedAt?: number;
}

interface SlotRecord {
  callerId: string;
  grantedAt: number;
  /** When the request left the process; the grant time until it is known (`sent`). */
  sentAt: number;
  sent: boolean;
  /** Rule 2 waiting for this request to leave (set only while it does). */
  onSent?: () => void;
}

/**
 * The grants of the last window, oldest first, with a count per caller, kept up to date as grants are added and
 * as they age out: every question the admission estimate asks is answered without scanning the window. Holds at
 * most the grants of one window, which the pacing bounds to `limit`.
 */
function createGrantWindow(windowMs: number) {
  const grants: SlotRecord[] = [];
  let head = 0;
  const countByCaller = new Map<string, number>();
  /** How many callers have each count: the admission estimate asks how many have at most n, over few counts. */
  const callersByCount = new Map<number, number>();
  const recount = (from: number, to: number) => {
    if (from > 0) {
      const left = (callersByCount.get(from) as number) - 1;
      if (left === 0) callersByCount.delete(from);
      else callersByCount.set(from, left);
    }
    if (to > 0) callersByCount.set(to, (callersByCount.get(to) ?? 0) + 1);
  };

  function forgetBefore(at: number): void {
    while (head < grants.length && (grants[head] as SlotRecord).grantedAt <= at - windowMs) {
      const { callerId } = grants[head] as SlotRecord;
      const count = (countByCaller.get(callerId) as number) - 1;
      if (count === 0) countByCaller.delete(callerId);
      else countByCaller.set(callerId, count);
      recount(count + 1, count);
      head += 1;
    }
    // Drop the aged-out prefix once it is half the array, so the array stays within twice the window's grants.
    if (head > 64 && head * 2 >= grants.length) {
      grants.splice(0, head);
      head = 0;
    }
  }

  return {
    add(record: SlotRecord): void {
      // Pruned on every grant, not only when a wait is estimated: requests that never overlap (a backend polling
      // on a cadence, each from a new caller) would otherwise keep every caller they ever saw.
      forgetBefore(record.grantedAt);
      grants.push(record);
      const count = (countByCaller.get(record.callerId) ?? 0) + 1;
      countByCaller.set(record.callerId, count);
      recount(count - 1, count);
    },
    /** Grants within the window ending at `at`. */
    size(at: number): number {
      forgetBefore(at);
      return grants.length - head;
    },
    /** Grants of `callerId` within the window last asked about. */
    countOf: (callerId: string): number => countByCaller.get(callerId) ?? 0,
    /** Distinct callers granted within the window last asked about. */
    get callers(): number {
      return countByCaller.size;
    },
    /** Distinct callers granted at most `count` times within the window last asked about. */
    callersServedAtMost(count: number): number {
      let callers = 0;
      for (const [granted, many] of callersByCount) if (granted <= count) callers += many;
      return callers;
    },
  };
}

/** The latest `capacity` slots, in a ring: the newest, and the one `capacity` places back, in O(1). */
function createSlotRing(capacity: number) {
  const slots: SlotRecord[] = [];
  let next = 0;
  return {
    add(record: SlotRecord): void {
      if (slots.length < capacity) slots.push(record);
      else slots[next] = record;
      next = (next + 1) % capacity;
    },
    /** The latest slot, if any. */
    latest: (): SlotRecord | undefined => (slots.length === 0 ? undefined : slots[(next - 1 + capacity) % capacity]),
    /** The slot `capacity` places back, once that many were granted. */
    oldest: (): SlotRecord | undefined => (slots.length < capacity ? undefined : slots[next]),
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Creates the throttle of one action. */
export function createActionThrottle(options: ActionThrottleOptions): ActionThrottle {
  const { limit, maxQueueWaitMs, action, callerMaxShare } = options;
  if (limit === Number.POSITIVE_INFINITY) return createUnthrottled();
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected \`limit\` to be a positive integer, got ${limit}`);
  if (!(maxQueueWaitMs >= 0)) throw new TypeError(`Expected \`maxQueueWaitMs\` to be >= 0, got ${maxQueueWaitMs}`);
  if (callerMaxShare !== undefined && !(callerMaxShare > 0 && callerMaxShare <= 1)) {
    throw new TypeError(`Expected \`callerMaxShare\` to be in (0, 1], got ${callerMaxShare}`);
  }
  const now = options.now ?? monotonicNow;
  const wallNow = options.wallNow ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const windowMs = (options.windowMs ?? RATE_WINDOW_MS) + (options.guardMs ?? RATE_WINDOW_GUARD_MS);
  const spacingMs = windowMs / limit;
  const callerCap = callerMaxShare === undefined ? undefined : Math.max(1, Math.floor(limit * callerMaxShare));

  // One slot per spacing, or a burst of them spanning PACING_BURST_SPAN_MS where the spacing is shorter. One by
  // one, p-throttle's strict mode counts each spacing from when the previous slot actually opened, so a late timer
  // never shortens the next gap. For bursts its windowed mode: strict mode rounds sub-millisecond spacing up to whole
  // milliseconds (1.025 ms becomes 2 ms, halving a 1000/s budget), and rule 2 covers a late timer anyway.
  const pacingBurst = Math.max(1, Math.min(limit, Math.floor(PACING_BURST_SPAN_MS / spacingMs)));
  const createPacer = () => pThrottle({ limit: pacingBurst, interval: pacingBurst * spacingMs, strict: pacingBurst === 1 })(() => undefined);
  let pacer = createPacer();
  let wallOffset = wallNow() - now();
  /** p-throttle's next slot, from a fresh pacer if the wall clock stepped since the last one (CLOCK_STEP_TOLERANCE_MS). */
  async function nextPacedSlot(): Promise<void> {
    const offset = wallNow() - now();
    if (Math.abs(offset - wallOffset) > CLOCK_STEP_TOLERANCE_MS) pacer = createPacer();
    wallOffset = offset;
    await pacer();
  }
  const recent = createSlotRing(limit);
  const lately = createGrantWindow(windowMs);
  const queue = createFairQueue<Waiter>({
    maxQueued: options.maxQueued,
    maxQueuedPerCaller: options.maxQueuedPerCaller,
    onEvicted: (_callerId, waiter) => waiter.evict(),
    servedLately: (callerId) => lately.countOf(callerId),
  });
  /**
   * With a hard cap only: grant times within the last window per caller, in the order of each caller's latest
   * grant (re-inserted on every grant). At most `limit` grants fit in a window, so once callers whose latest grant
   * left the window are dropped from the front (forgetIdleCallers), at most `limit` callers are tracked.
   */
  const capGrants = new Map<string, number[]>();
  /** The most busy queues (callers per replica) the shared budget reported within the last window. */
  let sharedPeak: { busyQueues: number; at: number } | undefined;
  /**
   * The replicas the shared budget last reported. While it cannot be asked, this replica paces itself at its share
   * of the limit: at the full limit, as before, it and the replicas still reaching Redis would together send up to
   * twice the budget (measured: about 40/s at Tencent while one of three replicas had a slow Redis).
   */
  let replicasSeen = 1;
  /** The shared budget could not be asked at the last slot: this replica paces itself at its share (see above). */
  let failingOpen = false;
  let pumping = false;
  /**
   * While requests wait here: when the next slot falls due at the pace, counted from the first grant of the backlog
   * (never more than PACING_CATCH_UP_MS behind). Undefined when nobody waits, so an idle spell earns no slots.
   */
  let paceDueAt: number | undefined;
  /** Since when requests have waited here without a break: after a window of it, this replica's pace is known. */
  let backlogSince = 0;

  function grantsInWindow(callerId: string, at: number): number[] {
    const times = capGrants.get(callerId);
    if (!times) return [];
    while (times.length > 0 && (times[0] as number) <= at - windowMs) times.shift();
    if (times.length === 0) capGrants.delete(callerId);
    return times;
  }

  /** Drops the callers whose latest grant left the window: the map's front holds the oldest latest grants. */
  function forgetIdleCallers(at: number): void {
    for (const [callerId, times] of capGrants) {
      if ((times.at(-1) as number) > at - windowMs) return;
      capGrants.delete(callerId);
    }
  }

  const isEligible = (callerId: string): boolean =>
    callerCap === undefined || grantsInWindow(callerId, now()).length < callerCap;

  /** The next waiter in the fair order, by the grants of the window ending now. */
  const shiftNext = () => {
    lately.size(now());
    return queue.shift(isEligible);
  };

  /** With a hard cap: ms until some waiting caller is under it (0 when one is now). */
  function untilSomeoneEligible(): number {
    if (callerCap === undefined) return 0;
    const at = now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const callerId of queue.callers()) {
      const times = grantsInWindow(callerId, at);
      if (times.length < callerCap) return 0;
      soonest = Math.min(soonest, (times[times.length - callerCap] as number) + windowMs - at);
    }
    return soonest === Number.POSITIVE_INFINITY ? 0 : soonest;
  }

  /**
   * With a hard cap: when the caller's `count`-th next grant may come at the earliest, counted from now — one
   * spacing after its previous one, and a window after the grant `callerCap` places back.
   */
  function capWaitFor(callerId: string, count: number, at: number): number {
    if (callerCap === undefined) return 0;
    const times = [...grantsInWindow(callerId, at)];
    let next = at;
    for (let index = 0; index < count; index += 1) {
      const capFree = times.length >= callerCap ? (times[times.length - callerCap] as number) + windowMs : at;
      next = Math.max(next, capFree);
      times.push(next);
      next += spacingMs;
    }
    return (times.at(-1) as number) - at;
  }

  /**
   * Timers can starve: under a dense flood node's poll phase may run for seconds before the timers phase comes round
   * (measured: a p-throttle timer of 51 ms fired after 9.7 s, and 0.1–1.3 requests a second reached Tencent during
   * one flood in three). Requests still arrive in the poll phase, so every arrival (and every send) also wakes a
   * pump that waits, which then checks whether what it waits for has fallen due on the clock.
   */
  let wakePump: (() => void) | undefined;
  const wake = () => {
    const resolve = wakePump;
    wakePump = undefined;
    resolve?.();
  };
  /**
   * Waits for `timer`, or until `isDue()` holds at entry or at a wake-up (the timer is then left to fire on its own).
   * One promise per wake-up and none per check: a flood wakes a waiting pump thousands of times.
   */
  async function untilDue(timer: Promise<unknown>, isDue: () => boolean): Promise<void> {
    let fired = false;
    const onFired = () => {
      fired = true;
      wake();
    };
    void timer.then(onFired, onFired);
    while (!fired && !isDue()) await new Promise<void>((resolve) => (wakePump = resolve));
  }

  /** Sleeps until `dueAt` on the throttle's clock, or a wake-up finds it past if the timer is starved. */
  const sleepUntil = (dueAt: number): Promise<void> => untilDue(sleep(Math.max(0, dueAt - now())), () => now() >= dueAt);

  /**
   * Waits until the slot `limit` places back left the process a full window (plus guard) ago. A request that has
   * not left yet (an 8 MiB image still uploading, a slow TLS handshake) may leave at any moment, so its slot counts
   * from when it does: counted from its grant, a request leaving more than a window late shared its second with
   * `limit` others.
   */
  async function respectSendTimes(): Promise<void> {
    const oldest = recent.oldest();
    if (!oldest) return;
    if (!oldest.sent) await new Promise<void>((resolve) => (oldest.onSent = resolve));
    if (oldest.sentAt + windowMs > now()) await sleepUntil(oldest.sentAt + windowMs);
  }

  /**
   * Waits for this replica's next slot: p-throttle's, or at once when a slot fell due while the event loop was too
   * busy to open it (PACING_CATCH_UP_MS).
   */
  async function nextLocalSlot(): Promise<void> {
    if (paceDueAt === undefined || now() < paceDueAt) {
      // When p-throttle's slot falls due: on the pace's schedule, or at a backlog's start one spacing after the last grant.
      const last = recent.latest();
      const dueAt = paceDueAt ?? (last ? last.grantedAt + spacingMs : Number.NEGATIVE_INFINITY);
      // Woken past the slot before p-throttle's timer fired, the slot is taken without it; p-throttle counts its
      // next slot from that timer's, which is this one's, so it stays in step with the pace.
      await untilDue(nextPacedSlot(), () => now() >= dueAt);
    }
    const at = now();
    paceDueAt = Math.max(paceDueAt ?? at, at - PACING_CATCH_UP_MS) + spacingMs;
  }

  /** Waits for the next slots and says whose they are; none when nobody could take one (ask again). */
  async function nextGrants(): Promise<Grant[]> {
    if (options.takeSharedSlot) {
      const askedAt = now();
      lately.size(askedAt);
      // In the fair order: the callers served least lately first (a stable sort keeps the rotation among equals).
      const candidates = queue
        .callers()
        .filter(isEligible)
        .sort((a, b) => lately.countOf(a) - lately.countOf(b))
        .slice(0, MAX_SHARED_CANDIDATES)
        .map((callerId) => ({
          callerId,
          // With a hard cap, no more than the caller may still take this window, however many slots are granted.
          queued: Math.min(queue.queuedBy(callerId), callerCap === undefined ? Infinity : callerCap - grantsInWindow(callerId, askedAt).length),
        }));
      if (candidates.length === 0) return [];
      const answer = await options.takeSharedSlot(candidates, limit, windowMs, Math.min(queue.size, limit));
      failingOpen = answer === undefined;
      if (answer) {
        replicasSeen = Math.max(1, answer.replicas ?? 1);
        const answeredAt = now();
        if (!sharedPeak || answeredAt - sharedPeak.at > windowMs || answer.busyQueues >= sharedPeak.busyQueues) {
          sharedPeak = { busyQueues: answer.busyQueues, at: answeredAt };
        }
        if (answer.granted.length === 0) {
          await sleepUntil(answeredAt + Math.max(1, answer.waitMs));
          return [];
        }
        const grants: Grant[] = [];
        for (const slot of answer.granted) {
          const chosen = candidates[slot.index];
          const waiter = chosen && queue.shiftFrom(chosen.callerId);
          const markShared = (delayMs: number) => slot.markSent?.(delayMs);
          if (chosen && waiter) {
            grants.push({ callerId: chosen.callerId, waiter, markShared, askedAt });
            continue;
          }
          // The chosen caller left during the call: the slot is counted already, so it goes to the next in turn.
          const next = shiftNext();
          if (next) grants.push({ callerId: next.callerId, waiter: next.item, markShared, askedAt });
        }
        return grants;
      }
      // The shared budget could not be asked: pace this replica on its own, at its share of the limit.
      // One grant per `replicasSeen` of the local pacer's slots: one over the replicas of the limit.
      const last = recent.latest();
      for (let slot = 1; slot <= replicasSeen; slot++) {
        const dueAt = last ? last.grantedAt + spacingMs * slot : Number.NEGATIVE_INFINITY;
        await untilDue(nextPacedSlot(), () => now() >= dueAt);
      }
      const next = shiftNext();
      return next ? [{ callerId: next.callerId, waiter: next.item }] : [];
    }
    await nextLocalSlot();
    // Everyone left while the slot was pending: that slot is lost, as p-throttle counted it.
    const next = shiftNext();
    return next ? [{ callerId: next.callerId, waiter: next.item }] : [];
  }

  /** Hands a granted slot to its waiter, or to the next in turn if the waiter left meanwhile. */
  function grant(granted: Grant): void {
    let { callerId, waiter } = granted;
    if (waiter.signal?.aborted) {
      const next = shiftNext();
      if (!next) return;
      ({ callerId, item: waiter } = next);
    }
    const at = now();
    const record: SlotRecord = { callerId, grantedAt: at, sentAt: at, sent: false };
    recent.add(record);
    lately.add(record);
    if (callerCap !== undefined) {
      const times = [...grantsInWindow(callerId, at), at];
      capGrants.delete(callerId);
      capGrants.set(callerId, times);
      forgetIdleCallers(at);
    }
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    const markSent = () => {
      record.sentAt = Math.max(record.sentAt, now());
      record.sent = true;
      record.onSent?.();
      record.onSent = undefined;
      wake();
      // Counted from when Redis was asked, not from the answer: Redis granted the slot somewhere in between,
      // so the send time it records is never earlier than the real one.
      granted.markShared?.(record.sentAt - (granted.askedAt ?? at));
    };
    waiter.resolve({
      markSent,
      release() {
        if (!record.sent) markSent();
      },
    });
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.size > 0) {
        const capWait = untilSomeoneEligible();
        if (capWait > 0) {
          await sleepUntil(now() + capWait);
          continue;
        }
        await respectSendTimes();
        const grants = await nextGrants();
        for (const [index, granted] of grants.entries()) {
          // Each slot of a batch the shared budget granted still waits for this replica's own send times.
          if (index > 0) await respectSendTimes();
          grant(granted);
        }
      }
    } finally {
      pumping = false;
      paceDueAt = undefined;
    }
  }

  /**
   * The wait a request of `callerId` arriving now would expect. `unsentLeaveNow` counts a granted request that has
   * not left yet as leaving now rather than at its grant: what a refused caller is told to wait (retryAfter), so a
   * caller that waits exactly that long is not refused again because the request ahead of it was slow to leave
   * (measured on a loaded machine: told 1 s at 1/s, a request 80 ms slow to leave made the retry 22 ms early).
   */
  function expectedWaitMs(callerId: string, unsentLeaveNow = false): number {
    const at = now();
    const leftOrLeavingNow = (record: SlotRecord) => (record.sent ? record.sentAt : Math.max(record.sentAt, at));
    const sentAtOf = (record: SlotRecord) => (unsentLeaveNow ? leftOrLeavingNow(record) : record.sentAt);
    // Rule 2 waits for a request that has not left yet, so for it the earliest is a window from now, whatever the
    // estimate's mode: counted from its grant, requests were admitted that then waited out a slow upload.
    const oldest = recent.oldest();
    const heldUntil = oldest ? leftOrLeavingNow(oldest) + windowMs : Number.NEGATIVE_INFINITY;
    // Failing open, this replica grants one slot per `replicasSeen` of its pacer's: its queue drains that much slower.
    const pace = failingOpen ? spacingMs * replicasSeen : spacingMs;
    const last = recent.latest();
    const nextPaced = last ? Math.max(at, sentAtOf(last) + pace) : at;
    const own = queue.queuedBy(callerId);
    if (!options.takeSharedSlot && queue.size === 0) {
      // Nobody waits here: this request is the next one served, whatever others took lately, as soon as the pace
      // and the send times allow. (Predicted from others' share, a bound of 0 ms refused all but one a second.)
      return Math.max(0, nextPaced - at, heldUntil - at, capWaitFor(callerId, 1, at));
    }
    // Callers served within the last window will likely take their turns again, even if none waits right now:
    // the share of those slots others took predicts the share left to this caller, which max-min fairness never
    // lets fall below 1/k of k callers (this caller, and those waiting or served lately that come before its
    // request: the least served lately go first, so a caller served more than this one will have had, counting its
    // waiting requests, waits behind it).
    const latelyGranted = lately.size(at);
    const mine = lately.countOf(callerId);
    const others = latelyGranted - mine;
    let callers = 1 + lately.callersServedAtMost(mine + own) - (mine > 0 ? 1 : 0);
    if (queue.size > 0) {
      for (const waiting of queue.callers()) if (waiting !== callerId && lately.countOf(waiting) === 0) callers += 1;
    }
    let share = Math.max(1 / callers, 1 - others / limit);
    // Not skipped for a caller this replica has not served lately: the shared budget may still hold its turn (served
    // on another replica, or resting after its last request), and an estimate without the other replicas' queues
    // admitted requests at 0–300 ms that then waited 1–2.9 s.
    if (sharedPeak && at - sharedPeak.at <= windowMs && sharedPeak.busyQueues > 1) {
      // Other replicas' queues are invisible here but for their number: assume each takes its full turn (a
      // caller waiting on two replicas drains each of its two queues at half its turns).
      share = Math.min(share, 1 / (sharedPeak.busyQueues + (own === 0 ? 1 : 0)));
    }
    const position = Math.max(queue.positionOf(callerId), (own + 1) / share);
    let fairWait = Math.max(nextPaced, heldUntil) - at + (position - 1) * pace;
    if (options.takeSharedSlot && queue.size > 0 && backlogSince <= at - windowMs && latelyGranted > 0) {
      // Backlogged for a whole window, this replica has been getting slots at its real pace, whatever share of the
      // budget the other replicas took; its own callers share that pace round-robin.
      const realPace = windowMs / latelyGranted;
      const nextAtRealPace = last ? Math.max(at, sentAtOf(last) + realPace) : at;
      fairWait = Math.max(fairWait, nextAtRealPace - at + (queue.positionOf(callerId) - 1) * realPace);
    }
    return Math.max(fairWait, capWaitFor(callerId, own + 1, at));
  }

  function refuse(reason: ThrottleRefusal, message: string, waitMs: number): Promise<never> {
    options.onRefused?.(reason);
    return Promise.reject(new RateLimitedError(message, { action, retryAfterSeconds: waitMs / 1000 }));
  }

  return {
    get queueDepth() {
      return queue.size;
    },
    get busyCallers() {
      return queue.busyCallers;
    },
    expectedWaitMs,
    get trackedCallers() {
      return lately.callers + capGrants.size;
    },
    acquire(callerId, signal) {
      wake();
      if (signal?.aborted) return Promise.reject(signal.reason);
      const wait = expectedWaitMs(callerId);
      if (wait > maxQueueWaitMs) {
        const retryWait = Math.max(wait, expectedWaitMs(callerId, true));
        return refuse(
          'queue_wait_exceeded',
          `Too many ${action} requests: this caller's next slot is ${Math.ceil(retryWait)} ms away, beyond the ${maxQueueWaitMs} ms queue bound.`,
          retryWait,
        );
      }
      return new Promise<UpstreamSlot>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          signal,
          onAbort: () => {
            queue.remove(callerId, waiter);
            reject(signal?.reason);
          },
          evict: () => {
            signal?.removeEventListener('abort', waiter.onAbort);
            const evictedWait = Math.max(expectedWaitMs(callerId), windowMs);
            refuse('queue_full', `Too many ${action} requests are waiting, this caller's more than anyone's; try again in a moment.`, evictedWait).catch(reject);
          },
        };
        if (queue.size === 0) backlogSince = now();
        const refusal = queue.push(callerId, waiter);
        if (refusal) {
          const message =
            refusal === 'queue_full'
              ? `Too many ${action} requests are waiting; try again in a moment.`
              : `This caller has too many ${action} requests waiting; try again in a moment.`;
          refuse(refusal, message, Math.max(wait, windowMs)).catch(reject);
          return;
        }
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        void pump();
      });
    },
  };
}

/** A throttle that admits everything at once. */
function createUnthrottled(): ActionThrottle {
  const slot: UpstreamSlot = { markSent: () => undefined, release: () => undefined };
  return {
    queueDepth: 0,
    busyCallers: 0,
    trackedCallers: 0,
    expectedWaitMs: () => 0,
    acquire: (_callerId, signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(slot)),
  };
}
