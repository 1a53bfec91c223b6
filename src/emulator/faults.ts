/**
 * Scripted faults, per action, for tests of the gateway's error handling. Two queues per action, each consumed
 * one entry per request to that action:
 * - a latency queue: a request takes at most one delay, then goes on to whatever else awaits it, so a delay
 *   combines with an outcome fault simply by scripting both;
 * - an outcome queue: `reset` and `httpStatus` model the network or an edge proxy and fire before any check;
 *   `tencentError` and `malformedBody` model the API itself and fire only for a request that passed signature
 *   and routing checks (an unauthenticated request keeps getting its AuthFailure and leaves them queued).
 */
import { STATUS_CODES } from 'node:http';

/** One scripted misbehaviour. */
export type EmulatorFault =
  | { kind: 'tencentError'; code: string; message?: string }
  | { kind: 'latency'; ms: number }
  | { kind: 'httpStatus'; status: number; body?: string }
  | { kind: 'reset' }
  | { kind: 'malformedBody' };

/** Faults that stand for a failure before the request reaches the API. */
export type TransportFault = Extract<EmulatorFault, { kind: 'httpStatus' | 'reset' }>;
/** Faults that stand for the API answering badly. */
export type ApiFault = Extract<EmulatorFault, { kind: 'tencentError' | 'malformedBody' }>;

/** The per-action fault queues. */
export interface FaultScript {
  /** Queues a fault for the next `times` requests to `action` (after those already queued). */
  add(action: string, fault: EmulatorFault, times?: number): void;
  /** Takes the next delay for `action`, in ms, if one is queued. */
  takeLatency(action: string): number | undefined;
  /** Takes the head of the outcome queue if it is a transport fault. */
  takeTransportFault(action: string): TransportFault | undefined;
  /** Takes the head of the outcome queue if it is an API fault. */
  takeApiFault(action: string): ApiFault | undefined;
  /** Forgets every queued fault. */
  clear(): void;
}

interface QueuedFault<T> {
  fault: T;
  remaining: number;
}

/** Checks a fault eagerly, so a typo in a test fails where it was written, not in a later request. */
function assertValidFault(fault: EmulatorFault, times: number): void {
  if (!Number.isInteger(times) || times < 1) throw new TypeError(`scriptFault: \`times\` must be a positive integer, got ${times}`);
  switch (fault.kind) {
    case 'tencentError':
      if (typeof fault.code !== 'string' || fault.code === '') throw new TypeError('scriptFault: a tencentError fault needs a non-empty `code`');
      return;
    case 'latency':
      if (!Number.isFinite(fault.ms) || fault.ms < 0) throw new TypeError(`scriptFault: a latency fault needs \`ms\` >= 0, got ${fault.ms}`);
      return;
    case 'httpStatus':
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
        throw new TypeError(`scriptFault: an httpStatus fault needs an integer \`status\` from 100 to 599, got ${fault.status}`);
      }
      return;
    case 'reset':
    case 'malformedBody':
      return;
    default:
      throw new TypeError(`scriptFault: unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`);
  }
}

/** The body an edge proxy would send with a bare status: a small HTML page, as nginx does. */
export function defaultStatusBody(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

/** A success envelope cut off mid-string: what a client sees when a proxy truncates an answer. */
export const MALFORMED_BODY = '{"Response":{"SdkToken":"A561B769-C347-47';

/** Creates empty per-action fault queues. */
export function createFaultScript(): FaultScript {
  const latencies = new Map<string, QueuedFault<number>[]>();
  const outcomes = new Map<string, QueuedFault<TransportFault | ApiFault>[]>();

  function take<T>(queues: Map<string, QueuedFault<T>[]>, action: string, accept: (fault: T) => boolean): T | undefined {
    const queue = queues.get(action);
    const head = queue?.[0];
    if (!queue || !head || !accept(head.fault)) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) queue.shift();
    return head.fault;
  }

  function enqueue<T>(queues: Map<string, QueuedFault<T>[]>, action: string, fault: T, times: number): void {
    const queue = queues.get(action) ?? [];
    queue.push({ fault, remaining: times });
    queues.set(action, queue);
  }

  return {
    add(action, fault, times = 1) {
      assertValidFault(fault, times);
      if (fault.kind === 'latency') enqueue(latencies, action, fault.ms, times);
      else enqueue(outcomes, action, { ...fault }, times);
    },
    takeLatency: (action) => take(latencies, action, () => true),
    takeTransportFault: (action) =>
      take(outcomes, action, (fault) => fault.kind === 'reset' || fault.kind === 'httpStatus') as TransportFault | undefined,
    takeApiFault: (action) =>
      take(outcomes, action, (fault) => fault.kind === 'tencentError' || fault.kind === 'malformedBody') as ApiFault | undefined,
    clear() {
      latencies.clear();
      outcomes.clear();
    },
  };
}
