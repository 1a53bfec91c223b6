/**
 * The order in which one action's waiting requests are served: one FIFO per caller, and slots handed round-robin
 * to the callers that have requests waiting, the caller served least lately first (see `servedLately`). This is deficit round robin (M. Shreedhar and G. Varghese, "Efficient
 * Fair Queuing Using Deficit Round-Robin", IEEE/ACM Transactions on Networking 4(3):375–385, 1996) with every
 * request costing one slot and a quantum of one slot, which makes it plain round robin: work-conserving (a slot
 * never waits while anyone waits) and max-min fair (k busy callers get at least 1/k of the slots each, and a
 * caller that needs less leaves the rest to the others). A caller alone gets every slot.
 *
 * Pure bookkeeping: no clock, no timers. The throttle decides when a slot opens; this module says who gets it.
 */

/**
 * Requests one action may hold waiting, over all callers. Each waiter holds an HTTP request (a selfie body may be
 * up to 8 MiB), so this bounds the memory queued requests pin. The queue-wait bound usually refuses long before:
 * at 20/s and the 60 s largest `FACEID_MAX_QUEUE_WAIT_MS`, about 1,170 slots fit in the wait.
 * @default 1000
 */
export const MAX_QUEUED_PER_ACTION = 1000;

/**
 * Requests one caller may hold waiting per action: a quarter of MAX_QUEUED_PER_ACTION, so one caller alone can
 * never fill the queue the others need to join. 250 slots are 12.8 s at 20/s, more than the default wait bound.
 * @default 250
 */
export const MAX_QUEUED_PER_CALLER = 250;

/** Why a request was not queued. */
export type FairQueueRefusal = 'queue_full' | 'caller_queue_full';

/** Options of createFairQueue. */
export interface FairQueueOptions<T = unknown> {
  /** @default MAX_QUEUED_PER_ACTION */
  maxQueued?: number;
  /** @default MAX_QUEUED_PER_CALLER */
  maxQueuedPerCaller?: number;
  /** Told of a request pushed out of a full queue to make room for a caller with fewer waiting (see `push`). */
  onEvicted?: (callerId: string, item: T) => void;
  /**
   * Slots each caller was granted lately (the throttle's last window): the caller served least lately goes first,
   * in rotation order among equals. @default none: plain round robin
   */
  servedLately?: (callerId: string) => number;
}

/** Per-caller FIFOs served round-robin. */
export interface FairQueue<T> {
  /** Requests waiting, over all callers. */
  readonly size: number;
  /** Callers with at least one request waiting. */
  readonly busyCallers: number;
  /** Requests `callerId` has waiting. */
  queuedBy(callerId: string): number;
  /** Callers with requests waiting, in the order they will be served (the next one first). */
  callers(): string[];
  /**
   * The place (1 = next) a request of `callerId` arriving now would be served at, given everyone's queues: its
   * own earlier requests, and for each other busy caller as many turns as come before it in the rotation.
   */
  positionOf(callerId: string): number;
  /**
   * Queues `item` behind the caller's earlier requests; returns why it was refused, or undefined. When the queue is
   * full, a caller with fewer requests waiting than the caller with the most (counting this one) still gets in: the
   * newest request of the caller with the most is pushed out (`onEvicted`). So the callers who fill the queue
   * cannot keep out one who waits for less: under the per-caller cap four callers could fill it, and a fifth,
   * light one was refused every time.
   */
  push(callerId: string, item: T): FairQueueRefusal | undefined;
  /** Takes `item` out (its caller left); a caller whose FIFO empties is forgotten. False if it was not queued. */
  remove(callerId: string, item: T): boolean;
  /**
   * Serves the caller served least lately among those `eligible` accepts (every caller when omitted), the first in
   * the rotation among equals: returns its oldest request and moves it to the back of the rotation. Undefined when
   * nobody eligible waits. Least lately first, not plain turns: many callers that each keep one request waiting and
   * send the next the moment one is answered or refused (40 identities of one client) would otherwise hold every
   * place in the rotation, and a caller arriving behind them was refused each time it came back.
   */
  shift(eligible?: (callerId: string) => boolean): { callerId: string; item: T } | undefined;
  /** Serves `callerId` out of turn (a shared budget granted this caller's slot); undefined if it has nothing waiting. */
  shiftFrom(callerId: string): T | undefined;
}

/** Creates an empty fair queue. */
export function createFairQueue<T>(options: FairQueueOptions<T> = {}): FairQueue<T> {
  const maxQueued = options.maxQueued ?? MAX_QUEUED_PER_ACTION;
  const maxQueuedPerCaller = options.maxQueuedPerCaller ?? MAX_QUEUED_PER_CALLER;
  for (const [name, value] of [['maxQueued', maxQueued], ['maxQueuedPerCaller', maxQueuedPerCaller]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
  // A Map iterates in insertion order, and deleting then setting a key moves it to the end: the rotation itself.
  const queues = new Map<string, T[]>();
  let size = 0;
  const servedLately = options.servedLately ?? (() => 0);

  function take(callerId: string, queue: T[]): T {
    const item = queue.shift() as T;
    size -= 1;
    queues.delete(callerId);
    if (queue.length > 0) queues.set(callerId, queue);
    return item;
  }

  return {
    get size() {
      return size;
    },
    get busyCallers() {
      return queues.size;
    },
    queuedBy: (callerId) => queues.get(callerId)?.length ?? 0,
    callers: () => [...queues.keys()],
    positionOf(callerId) {
      const own = queues.get(callerId)?.length ?? 0;
      // The new request is the caller's (own + 1)-th: it goes when the caller's grants (served lately, plus `own`)
      // are the fewest. Another caller is served before it until its own grants reach as many: one turn more if it
      // is ahead in the rotation (it wins a tie), and never more than it has waiting. A caller with nothing waiting
      // joins at the back, behind everyone. With no grants lately this is plain round robin: callers ahead of it
      // in the rotation are served own + 1 times before then, those behind it own times.
      const mine = servedLately(callerId) + own;
      let position = own + 1;
      let ahead = true;
      for (const [other, queue] of queues) {
        if (other === callerId) {
          ahead = false;
          continue;
        }
        position += Math.min(queue.length, Math.max(0, mine - servedLately(other) + (ahead ? 1 : 0)));
      }
      return position;
    },
    push(callerId, item) {
      if (size >= maxQueued) {
        let heaviest: [string, T[]] | undefined;
        for (const entry of queues) if (!heaviest || entry[1].length > heaviest[1].length) heaviest = entry;
        if (!heaviest || (queues.get(callerId)?.length ?? 0) + 1 >= heaviest[1].length) return 'queue_full';
        const evicted = heaviest[1].pop() as T;
        size -= 1;
        options.onEvicted?.(heaviest[0], evicted);
      }
      const queue = queues.get(callerId);
      if (queue && queue.length >= maxQueuedPerCaller) return 'caller_queue_full';
      if (queue) queue.push(item);
      else queues.set(callerId, [item]);
      size += 1;
      return undefined;
    },
    remove(callerId, item) {
      const queue = queues.get(callerId);
      const index = queue ? queue.indexOf(item) : -1;
      if (!queue || index === -1) return false;
      queue.splice(index, 1);
      size -= 1;
      if (queue.length === 0) queues.delete(callerId);
      return true;
    },
    shift(eligible) {
      let chosen: [string, T[]] | undefined;
      let fewest = Number.POSITIVE_INFINITY;
      for (const entry of queues) {
        if (eligible && !eligible(entry[0])) continue;
        const served = servedLately(entry[0]);
        if (served < fewest) [chosen, fewest] = [entry, served];
        if (served === 0) break;
      }
      return chosen ? { callerId: chosen[0], item: take(chosen[0], chosen[1]) } : undefined;
    },
    shiftFrom(callerId) {
      const queue = queues.get(callerId);
      return queue ? take(callerId, queue) : undefined;
    },
  };
}
