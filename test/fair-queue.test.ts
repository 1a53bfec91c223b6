import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_PER_ACTION, MAX_QUEUED_PER_CALLER, createFairQueue } from '../src/faceid/fair-queue.js';

/** Pushes `caller:n` items in the given order, then serves them all; returns the service order. */
function serveAll(pushes: string[]): string[] {
  const queue = createFairQueue<string>();
  const counts = new Map<string, number>();
  for (const caller of pushes) {
    const n = (counts.get(caller) ?? 0) + 1;
    counts.set(caller, n);
    expect(queue.push(caller, `${caller}${n}`)).toBeUndefined();
  }
  const order: string[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) order.push(next.item);
  expect(queue.size).toBe(0);
  expect(queue.busyCallers).toBe(0);
  return order;
}

describe('fair queue (round robin over per-caller FIFOs)', () => {
  it.each<[string, string[], string[]]>([
    ['a caller alone is served in its own order', ['a', 'a', 'a'], ['a1', 'a2', 'a3']],
    ['two callers alternate whatever the arrival order', ['a', 'a', 'a', 'b', 'b'], ['a1', 'b1', 'a2', 'b2', 'a3']],
    ['three callers take turns; one that needs less leaves its turns', ['a', 'a', 'a', 'b', 'c', 'c'], ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']],
  ])('%s', (_case, pushes, order) => {
    expect(serveAll(pushes)).toEqual(order);
  });

  it.each<[string, string[], string, number]>([
    ['nobody waits', [], 'a', 1],
    ['only the caller itself waits', ['a', 'a'], 'a', 3],
    ['a newcomer joins behind one turn of each busy caller', ['a', 'a', 'a', 'b'], 'c', 3],
    ['a busy caller ahead in the rotation gets one more turn', ['a', 'a', 'a', 'b'], 'b', 4],
    ['a caller behind in the rotation', ['a', 'b', 'b', 'b'], 'a', 3],
  ])('places a new arrival where it will be served: %s', (_case, pushes, caller, position) => {
    const queue = createFairQueue<number>();
    pushes.forEach((who, index) => queue.push(who, index));
    expect(queue.positionOf(caller)).toBe(position);
    // The prediction holds: serve everything and find the new request's turn.
    queue.push(caller, -1);
    let served = 0;
    for (let next = queue.shift(); next; next = queue.shift()) {
      served += 1;
      if (next.item === -1) break;
    }
    expect(served).toBe(position);
  });

  it('skips callers that are not eligible without losing their place', () => {
    const queue = createFairQueue<string>();
    for (const [caller, item] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2']] as const) queue.push(caller, item);
    expect(queue.shift((caller) => caller !== 'a')).toEqual({ callerId: 'b', item: 'b1' });
    expect(queue.callers()).toEqual(['a']);
    expect(queue.shift((caller) => caller !== 'a')).toBeUndefined();
    expect(queue.shift()).toEqual({ callerId: 'a', item: 'a1' });
  });

  it('forgets a caller whose last request is removed or served out of turn', () => {
    const queue = createFairQueue<string>();
    queue.push('a', 'a1');
    queue.push('b', 'b1');
    expect(queue.remove('a', 'a1')).toBe(true);
    expect(queue.remove('a', 'a1')).toBe(false);
    expect(queue.shiftFrom('b')).toBe('b1');
    expect(queue.shiftFrom('b')).toBeUndefined();
    expect([queue.size, queue.busyCallers, queue.callers()]).toEqual([0, 0, []]);
  });

  it('refuses past the per-caller cap and the global cap, and no caller entry outlives its requests', () => {
    const queue = createFairQueue<number>();
    for (let index = 0; index < MAX_QUEUED_PER_CALLER; index += 1) expect(queue.push('greedy', index)).toBeUndefined();
    expect(queue.push('greedy', -1)).toBe('caller_queue_full');
    let caller = 0;
    while (queue.size < MAX_QUEUED_PER_ACTION) expect(queue.push(`ip:10.0.0.${caller++}`, 0)).toBeUndefined();
    expect(queue.size).toBe(MAX_QUEUED_PER_ACTION);
    expect(queue.busyCallers).toBe(1 + MAX_QUEUED_PER_ACTION - MAX_QUEUED_PER_CALLER);
    while (queue.shift()) ;
    expect([queue.size, queue.busyCallers]).toEqual([0, 0]);
  });

  it('lets a caller with fewer waiting into a full queue by pushing out the newest request of the caller with the most', () => {
    const evicted: string[] = [];
    const queue = createFairQueue<string>({ maxQueued: 4, maxQueuedPerCaller: 2, onEvicted: (callerId, item) => evicted.push(`${callerId}:${item}`) });
    for (const [caller, item] of [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['b', 'b2']]) expect(queue.push(caller!, item!)).toBeUndefined();
    expect(queue.push('c', 'c1')).toBeUndefined();
    expect(queue.push('d', 'd1')).toBeUndefined();
    expect(evicted).toEqual(['a:a2', 'b:b2']);
    expect(queue.size).toBe(4);
    // Everyone now has one waiting: nobody has fewer than the caller with the most.
    expect(queue.push('e', 'e1')).toBe('queue_full');
    expect(queue.push('a', 'a3')).toBe('queue_full');
    expect(evicted).toHaveLength(2);
    const served: string[] = [];
    for (let next = queue.shift(); next; next = queue.shift()) served.push(next.item);
    expect(served).toEqual(['a1', 'b1', 'c1', 'd1']);
  });

  it('refuses a newcomer to a full queue whose callers all wait as little as it would', () => {
    const queue = createFairQueue<number>();
    let caller = 0;
    while (queue.size < MAX_QUEUED_PER_ACTION) expect(queue.push(`ip:10.0.${caller++}`, 0)).toBeUndefined();
    expect(queue.push('someone-else', 0)).toBe('queue_full');
    expect(queue.size).toBe(MAX_QUEUED_PER_ACTION);
  });

  it('serves the caller granted fewest slots lately first, in rotation order among equals, and places a newcomer by that', () => {
    const served = new Map([['a', 2], ['b', 1], ['c', 1]]);
    const queue = createFairQueue<string>({ servedLately: (callerId) => served.get(callerId) ?? 0 });
    for (const [callerId, item] of [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['c', 'c1'], ['c', 'c2']] as const) queue.push(callerId, item);
    // A newcomer (no grant lately) comes before all of them; a caller served once more than b and c, behind theirs.
    expect(queue.positionOf('n')).toBe(1);
    expect(queue.positionOf('a')).toBe(3 + 1 + 2);
    const order: string[] = [];
    for (let next = queue.shift(); next; next = queue.shift()) {
      order.push(next.item);
      served.set(next.callerId, (served.get(next.callerId) ?? 0) + 1);
    }
    expect(order).toEqual(['b1', 'c1', 'a1', 'c2', 'a2']);
  });

  it('checks its caps eagerly', () => {
    expect(() => createFairQueue({ maxQueuedPerCaller: 0 })).toThrow(new TypeError('Expected `maxQueuedPerCaller` to be a positive integer, got 0'));
  });
});
