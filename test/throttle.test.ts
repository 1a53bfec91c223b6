/**
 * The throttle on a fake clock: vitest's fake timers drive p-throttle (which reads Date.now and sets timeouts)
 * and the throttle's own sleeps, so every grant time below is exact and no figure depends on the machine's load.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitedError } from '../src/errors.js';
import {
  createActionThrottle,
  PACING_CATCH_UP_MS,
  type ActionThrottleOptions,
  type SharedSlotAnswer,
  type SharedSlotCandidate,
  type ThrottleRefusal,
} from '../src/faceid/throttle.js';
import { maxPerWindow } from './helpers/sliding-window.js';

interface Arrival {
  /** ms on the fake clock. */
  at: number;
  caller: string;
  /** Aborts the request at this time (the caller hung up). */
  leaveAt?: number;
  /** The granted request leaves the process this long after its grant. */
  sendDelay?: number;
}

/** A grant time, `refused <retryAfter s>`, or `left`. */
type Outcome = number | `refused ${number}` | 'left';

beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const QUARTER_SECOND: Partial<ActionThrottleOptions> = { limit: 4, windowMs: 1000, guardMs: 0 };

/** Runs the arrivals against a fresh throttle until `until`; returns each arrival's outcome, in arrival order. */
async function simulate(
  options: Partial<ActionThrottleOptions>,
  arrivals: Arrival[],
  until = 30_000,
): Promise<{ outcomes: Outcome[]; refusals: ThrottleRefusal[] }> {
  const refusals: ThrottleRefusal[] = [];
  const throttle = createActionThrottle({
    action: 'GetFaceIdTokenIntl',
    limit: 20,
    maxQueueWaitMs: 60_000,
    onRefused: (reason) => refusals.push(reason),
    ...options,
  });
  const outcomes: Outcome[] = [];
  for (const [index, arrival] of arrivals.entries()) {
    // Arrivals at the same instant all join before the throttle hands out that instant's slot.
    if (arrival.at > Date.now()) await vi.advanceTimersByTimeAsync(arrival.at - Date.now());
    const controller = new AbortController();
    if (arrival.leaveAt !== undefined) setTimeout(() => controller.abort(), arrival.leaveAt - arrival.at);
    throttle.acquire(arrival.caller, controller.signal).then(
      (slot) => {
        outcomes[index] = Date.now();
        // The request leaves when it leaves: reported then, as the client reports its socket's 'finish'.
        if (arrival.sendDelay) setTimeout(() => slot.markSent(), arrival.sendDelay);
        else slot.markSent();
      },
      (error: unknown) => {
        outcomes[index] = error instanceof RateLimitedError ? `refused ${error.retryAfterSeconds}` : 'left';
      },
    );
  }
  await vi.advanceTimersByTimeAsync(until - Date.now());
  expect(throttle.queueDepth).toBe(0);
  expect(throttle.busyCallers).toBe(0);
  return { outcomes, refusals };
}

const burst = (caller: string, count: number, at = 0): Arrival[] => Array.from({ length: count }, () => ({ at, caller }));

describe('fair throttle on a fake clock (4 slots per second, 250 ms apart)', () => {
  it.each<[string, Partial<ActionThrottleOptions>, Arrival[], Outcome[]]>([
    ['a caller alone takes every slot', { maxQueueWaitMs: 5000 }, burst('a', 6), [0, 250, 500, 750, 1000, 1250]],
    [
      'a caller alone is refused only beyond its own wait bound, with the wait as retryAfter',
      { maxQueueWaitMs: 1000 },
      burst('a', 7),
      [0, 250, 500, 750, 1000, 'refused 2', 'refused 2'],
    ],
    [
      'two busy callers alternate, whoever came first',
      { maxQueueWaitMs: 5000 },
      [...burst('a', 4), ...burst('b', 3)],
      [0, 500, 1000, 1500, 250, 750, 1250],
    ],
    [
      'a newcomer goes before a caller served lately, not behind its whole queue',
      { maxQueueWaitMs: 1000 },
      [...burst('a', 6), { at: 10, caller: 'b' }],
      [0, 500, 750, 1000, 1250, 'refused 2', 250],
    ],
    [
      'a light caller is served at the next slot while a greedy one takes every other',
      { maxQueueWaitMs: 5000 },
      [...burst('greedy', 10), { at: 100, caller: 'light' }, { at: 1100, caller: 'light' }, { at: 2100, caller: 'light' }],
      [0, 500, 750, 1000, 1500, 1750, 2000, 2500, 2750, 3000, 250, 1250, 2250],
    ],
    [
      'two busy callers still alternate once both were served lately, whoever came first',
      { maxQueueWaitMs: 5000 },
      [...burst('a', 2), ...burst('b', 2), { at: 1500, caller: 'a' }, { at: 1500, caller: 'a' }, { at: 1500, caller: 'b' }, { at: 1500, caller: 'b' }],
      [0, 500, 250, 750, 1500, 2000, 1750, 2250],
    ],
    [
      'a caller that leaves while queued spends no slot: the next in turn takes it',
      { maxQueueWaitMs: 5000 },
      [...burst('a', 2), { at: 0, caller: 'b', leaveAt: 100 }, { at: 0, caller: 'c' }],
      [0, 500, 'left', 250],
    ],
    [
      'a slot never opens within a window of the send time of the request 4 slots back, and the slot it held is made up',
      { maxQueueWaitMs: 5000 },
      [{ at: 0, caller: 'a', sendDelay: 300 }, ...burst('a', 5)],
      [0, 250, 500, 750, 1300, 1300],
    ],
    [
      'a request still leaving a window after its grant holds the next slot until a window after it left',
      { maxQueueWaitMs: 5000 },
      [{ at: 0, caller: 'a', sendDelay: 1100 }, ...burst('a', 5)],
      [0, 250, 500, 750, 2100, 2100],
    ],
    [
      'an opt-in hard cap holds a caller to its share even alone, and still lets others in',
      { maxQueueWaitMs: 5000, callerMaxShare: 0.5 },
      [...burst('a', 4), ...burst('b', 2)],
      [0, 500, 1000, 1500, 250, 750],
    ],
    [
      'an opt-in hard cap delays a lone caller by a window, not by refusals',
      { maxQueueWaitMs: 1300, callerMaxShare: 0.5 },
      burst('a', 5),
      [0, 250, 1000, 1250, 'refused 2'],
    ],
  ])('%s', async (_case, options, arrivals, expected) => {
    const { outcomes } = await simulate({ ...QUARTER_SECOND, ...options }, arrivals);
    expect(outcomes).toEqual(expected);
  });

  it('refuses past the per-caller and global queue caps, with the reason for the metrics', async () => {
    const { outcomes, refusals } = await simulate(
      { ...QUARTER_SECOND, maxQueued: 5, maxQueuedPerCaller: 3 },
      [...burst('a', 4), ...burst('b', 3)],
    );
    expect(outcomes).toEqual([0, 500, 1000, 'refused 1', 250, 750, 'refused 2']);
    expect(refusals).toEqual(['caller_queue_full', 'queue_full']);
  });

  it('lets a light caller into a queue that busy callers filled, pushing out the newest request of the busiest', async () => {
    // Four slots a second; the queue holds 5 and each caller 3, so two busy callers fill it.
    const { outcomes, refusals } = await simulate(
      { ...QUARTER_SECOND, maxQueued: 5, maxQueuedPerCaller: 3 },
      [...burst('a', 4), ...burst('b', 3), { at: 0, caller: 'light' }],
    );
    // All at once: a's fourth is over its own cap, and b's third finds the queue full (a 3, b 2, and b would have as
    // many as a). The light caller has none waiting: a's newest request is refused in its place, and the light
    // caller is served after one turn each of a and b.
    expect(outcomes).toEqual([0, 750, 'refused 1', 'refused 1', 250, 1000, 'refused 2', 500]);
    expect(refusals).toEqual(['caller_queue_full', 'queue_full', 'queue_full']);
  });

  it('counts a refusal by the wait bound as queue_wait_exceeded', async () => {
    const { refusals } = await simulate({ ...QUARTER_SECOND, maxQueueWaitMs: 0 }, burst('a', 2));
    expect(refusals).toEqual(['queue_wait_exceeded']);
  });

  it('a refused caller that comes back after retryAfter is admitted', async () => {
    const { outcomes } = await simulate({ ...QUARTER_SECOND, maxQueueWaitMs: 500 }, [...burst('a', 4), { at: 2000, caller: 'a' }]);
    expect(outcomes).toEqual([0, 250, 500, 'refused 1', 2000]);
  });
});

describe('fair throttle at Tencent\'s 20/s (1,025 ms window with the guard, 51.25 ms apart)', () => {
  it('serves a lone caller\'s 120 requests at once within a 10 s bound: all of them, at most 20 per sliding second', async () => {
    const { outcomes } = await simulate({ maxQueueWaitMs: 10_000 }, burst('backend', 120));
    const grants = outcomes.filter((outcome): outcome is number => typeof outcome === 'number');
    expect(grants).toHaveLength(120);
    expect(grants.at(-1)).toBeLessThanOrEqual(119 * 51.25 + 1);
    expect(maxPerWindow(grants, 1025)).toBe(20);
    expect(maxPerWindow(grants)).toBeLessThanOrEqual(20);
  });

  it('serves 21 calls in a row from one caller without refusing any', async () => {
    const arrivals = Array.from({ length: 21 }, (_unused, index) => ({ at: index * 10, caller: 'key:ekyc-backend' }));
    const { outcomes } = await simulate({ maxQueueWaitMs: 2000 }, arrivals);
    expect(outcomes.every((outcome) => typeof outcome === 'number')).toBe(true);
  });

  it.each([
    ['two greedy callers', [burst('a', 200), burst('b', 200)], [0.5, 0.5]],
    ['three greedy callers', [burst('a', 200), burst('b', 200), burst('c', 200)], [1 / 3, 1 / 3, 1 / 3]],
    [
      'a greedy caller and one needing a third of the budget',
      [burst('greedy', 300), Array.from({ length: 60 }, (_unused, index) => ({ at: index * 150, caller: 'third' }))],
      [0.66, 0.33],
    ],
  ])('shares the busy seconds fairly: %s', async (_case, groups, shares) => {
    const arrivals = groups.flat().sort((a, b) => a.at - b.at);
    const { outcomes } = await simulate({ maxQueueWaitMs: 60_000 }, arrivals, 60_000);
    const grants = arrivals.map((arrival, index) => ({ caller: arrival.caller, at: outcomes[index] }));
    // The first 8 s, while every caller still has requests waiting.
    const busy = grants.filter((grant): grant is { caller: string; at: number } => typeof grant.at === 'number' && grant.at < 8000);
    const callers = [...new Set(groups.map((group) => group[0]!.caller))];
    callers.forEach((caller, index) => {
      const share = busy.filter((grant) => grant.caller === caller).length / busy.length;
      expect(share).toBeGreaterThanOrEqual(shares[index]! - 0.02);
    });
    // Work-conserving: every slot of those seconds was used.
    expect(busy.length).toBe(Math.ceil(8000 / 51.25));
    expect(maxPerWindow(busy.map((grant) => grant.at))).toBeLessThanOrEqual(20);
    // The caller needing a third waited at most for the next slot and one other turn each time (p-throttle's
    // timers fire on whole milliseconds, so a spacing is 51 or 52 ms).
    const third = grants.filter((grant, index) => grant.caller === 'third' && typeof grant.at === 'number' && grant.at - arrivals[index]!.at > 2 * 52);
    expect(third).toEqual([]);
  });
});

describe('fair throttle at a lifted 1000/s (1.025 ms apart: released in bursts of 9 per 9.225 ms)', () => {
  const LIFTED: Partial<ActionThrottleOptions> = { limit: 1000, maxQueueWaitMs: 60_000, maxQueued: 5000, maxQueuedPerCaller: 5000 };

  it('serves 3,000 requests at once at the full budget, at most 1,000 per sliding 1,025 ms', async () => {
    const { outcomes } = await simulate(LIFTED, burst('backend', 3000), 10_000);
    const grants = outcomes.filter((outcome): outcome is number => typeof outcome === 'number');
    expect(grants).toHaveLength(3000);
    expect(grants.slice(0, 9)).toEqual(Array.from({ length: 9 }, () => 0));
    expect(maxPerWindow(grants, 1025)).toBeLessThanOrEqual(1000);
    // Whole-millisecond rounding of the spacing (1.025 ms held as 2 ms) would have taken twice as long.
    expect(grants.at(-1)).toBeLessThanOrEqual(2999 * 1.025 + 10);
  });

  it('serves 9 calls at once every 10 ms (900/s, under the budget) without holding any for a timer', async () => {
    const arrivals = Array.from({ length: 50 * 9 }, (_unused, index) => ({ at: Math.floor(index / 9) * 10, caller: `caller-${index % 3}` }));
    const { outcomes } = await simulate(LIFTED, arrivals, 1000);
    // Paced one by one, the ninth of each group would wait eight spacings (more with whole-millisecond timers).
    expect(outcomes.map((outcome, index) => (outcome as number) - arrivals[index]!.at)).toEqual(arrivals.map(() => 0));
  });
});

describe('send times', () => {
  it('never lets limit + 1 requests leave within one second, however late one of them leaves', async () => {
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 60_000 });
    const sent: number[] = [];
    for (let index = 0; index < 60; index += 1) {
      // The first is an 8 MiB image on a slow link: it leaves 1.1 s after its grant.
      void throttle.acquire('key:backend').then((slot) =>
        setTimeout(() => {
          slot.markSent();
          sent.push(Date.now());
        }, index === 0 ? 1100 : 0),
      );
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(60);
    expect(maxPerWindow(sent, 1025)).toBeLessThanOrEqual(20);
  });

  it('refuses at once, rather than admit and hold, while the request a window of slots back has not left', async () => {
    const throttle = createActionThrottle({ ...QUARTER_SECOND, action: 'GetFaceIdTokenIntl', limit: 4, maxQueueWaitMs: 800 } as ActionThrottleOptions);
    const granting = Promise.all([0, 1, 2, 3].map(() => throttle.acquire('a')));
    await vi.advanceTimersByTimeAsync(750);
    const slots = await granting;
    // The first, granted at 0, is an upload still under way; the three others have left.
    for (const slot of slots.slice(1)) slot.markSent();
    await vi.advanceTimersByTimeAsync(50);
    const refused = await throttle.acquire('b').then(
      () => undefined,
      (error: unknown) => error as RateLimitedError,
    );
    // Counted from its grant, b was told 200 ms and admitted, then held until the upload ended and a window more.
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    slots[0]!.release();
  });

  it('counts a slot released without being sent as sent at its release', async () => {
    const throttle = createActionThrottle({ ...QUARTER_SECOND, action: 'GetFaceIdTokenIntl', limit: 4, maxQueueWaitMs: 5000 } as ActionThrottleOptions);
    const grants: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      void throttle.acquire('a').then((slot) => {
        grants.push(Date.now());
        // The first attempt is refused before its body has left (an early answer, a connection cut mid-upload).
        if (index === 0) setTimeout(() => slot.release(), 300);
        else slot.markSent();
        // Releasing after the send changes nothing.
        if (index > 0) slot.release();
      });
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(grants).toEqual([0, 250, 500, 750, 1300, 1300]);
  });
});

describe('a wall clock that steps (NTP, a resumed VM)', () => {
  /** Grants 200 requests of one caller, stepping the wall clock by `stepMs` after 1 s; the monotonic send times. */
  async function sendTimesAcrossAStep(stepMs: number, count: number): Promise<number[]> {
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 60_000 });
    const sent: number[] = [];
    for (let index = 0; index < count; index += 1) {
      void throttle.acquire('key:backend').then((slot) => {
        slot.markSent();
        sent.push(performance.now());
      });
    }
    await vi.advanceTimersByTimeAsync(1000);
    // Date moves; timers and performance.now do not.
    vi.setSystemTime(Date.now() + stepMs);
    await vi.advanceTimersByTimeAsync(20_000);
    return sent;
  }

  it('set forward 2 s, still lets no more than 20 leave in any second', async () => {
    const sent = await sendTimesAcrossAStep(2000, 200);
    expect(sent).toHaveLength(200);
    expect(maxPerWindow(sent, 1025)).toBeLessThanOrEqual(20);
  });

  it('set back a minute, keeps granting at the pace instead of stalling for that minute', async () => {
    const sent = await sendTimesAcrossAStep(-60_000, 60);
    expect(sent).toHaveLength(60);
    expect(Math.max(...sent)).toBeLessThanOrEqual(59 * 51.25 + 100);
  });
});

describe('memory per caller', () => {
  it.each([
    ['fair queuing alone', undefined],
    ['with the opt-in hard cap', 0.5],
  ])('keeps state for a bounded number of callers however many came before (%s)', async (_case, callerMaxShare) => {
    // A backend polling on a cadence, each request from a new address: no two ever wait together.
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 2000, callerMaxShare });
    let granted = 0;
    for (let index = 0; index < 2000; index += 1) {
      void throttle.acquire(`ip:10.0.${index >> 8}.${index & 255}`).then((slot) => {
        slot.markSent();
        granted += 1;
      });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(granted).toBe(2000);
    // One window (1,025 ms) holds 11 of them; at most `limit` are ever kept per map.
    expect(throttle.trackedCallers).toBeLessThanOrEqual(2 * 11);
  });
});

describe('a queue bound of 0 ms', () => {
  it('serves at once every request that finds a free slot and nobody waiting: 5 callers at 1 a second each, 20 a second allowed', async () => {
    const arrivals: Arrival[] = Array.from({ length: 15 }, (_unused, index) => ({ at: index * 200, caller: 'abcde'[index % 5]! }));
    const { outcomes, refusals } = await simulate({ maxQueueWaitMs: 0 }, arrivals);
    expect(outcomes).toEqual(arrivals.map((arrival) => arrival.at));
    expect(refusals).toEqual([]);
  });

  it('still refuses a request that would have to wait', async () => {
    const { outcomes } = await simulate({ ...QUARTER_SECOND, maxQueueWaitMs: 0 }, [...burst('a', 2), { at: 100, caller: 'b' }]);
    expect(outcomes).toEqual([0, 'refused 1', 'refused 1']);
  });
});

describe('retryAfter', () => {
  it('is long enough for a caller that waits exactly that long, when the request ahead of it is slow to leave', async () => {
    // 1/s with a bound of 0 ms, as a client retrying on retryAfter meets it: A is granted at 0 and leaves at 80 ms;
    // B, refused at 60 ms, comes back after retryAfter. Counting A as sent at its grant, B was told 1 s, 45 ms too
    // early; counted as leaving no sooner than B's refusal, 2 s.
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 1, maxQueueWaitMs: 0 });
    const slot = await throttle.acquire('key:a');
    await vi.advanceTimersByTimeAsync(60);
    const refused = await throttle.acquire('key:b').then(
      () => undefined,
      (error: unknown) => error as RateLimitedError,
    );
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused!.retryAfterSeconds).toBe(2);
    expect(refused!.message).toBe('Too many GetFaceIdTokenIntl requests: this caller\'s next slot is 1025 ms away, beyond the 0 ms queue bound.');
    await vi.advanceTimersByTimeAsync(20);
    slot.markSent();
    await vi.advanceTimersByTimeAsync(refused!.retryAfterSeconds * 1000 - 80);
    await expect(throttle.acquire('key:b')).resolves.toBeDefined();
  });
});

describe('fair throttle with a shared budget (fake budget)', () => {
  it('gives the slot to the candidate the budget picks, waits as told, and falls back to its own pacing when the budget is away', async () => {
    const asked: SharedSlotCandidate[][] = [];
    const answers: Array<SharedSlotAnswer | undefined> = [
      { granted: [{ index: 1 }], waitMs: 0, busyCallers: 3, busyQueues: 3 },
      { granted: [], waitMs: 400, busyCallers: 3, busyQueues: 3 },
      { granted: [{ index: 0 }], waitMs: 0, busyCallers: 3, busyQueues: 3 },
      undefined,
      undefined,
    ];
    const { outcomes } = await simulate(
      {
        ...QUARTER_SECOND,
        takeSharedSlot: async (candidates) => {
          asked.push(candidates.map((candidate) => ({ ...candidate })));
          return answers.shift();
        },
      },
      [...burst('a', 2), ...burst('b', 2)],
    );
    expect(asked).toEqual([
      [{ callerId: 'a', queued: 2 }, { callerId: 'b', queued: 2 }],
      [{ callerId: 'a', queued: 2 }, { callerId: 'b', queued: 1 }],
      [{ callerId: 'a', queued: 2 }, { callerId: 'b', queued: 1 }],
      [{ callerId: 'b', queued: 1 }, { callerId: 'a', queued: 1 }],
      [{ callerId: 'a', queued: 1 }],
    ]);
    // b at 0 (granted by the budget), a at 400 (after the wait), then paced locally: b at 400 (p-throttle's first
    // slot), a one spacing later.
    expect(outcomes).toEqual([400, 650, 0, 400]);
  });

  it.each([
    // 4 a second, 250 ms apart: with three replicas seen, this one takes one local slot in three while the budget
    // is away (the budget's grant at 0 took none of them, as with one replica).
    [3, [0, 500, 1250, 2000, 2750]],
    [1, [0, 0, 250, 500, 1000]],
  ])('falls back to its share of the limit when the budget is away, one over the %i replicas it last reported', async (replicas, grants) => {
    const answers: Array<SharedSlotAnswer | undefined> = [{ granted: [{ index: 0 }], waitMs: 0, busyCallers: 1, busyQueues: 1, replicas }];
    const { outcomes } = await simulate({ ...QUARTER_SECOND, takeSharedSlot: async () => answers.shift() }, burst('a', 5));
    expect(outcomes).toEqual(grants);
  });

  it('while failing open at its share of the limit, admits no request it cannot serve within the bound', async () => {
    // One answer reports three replicas, then the budget is away: this replica paces at a third of 20/s.
    const answers: Array<SharedSlotAnswer | undefined> = [{ granted: [{ index: 0 }], waitMs: 0, busyCallers: 1, busyQueues: 1, replicas: 3 }];
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 2000, takeSharedSlot: async () => answers.shift() });
    (await throttle.acquire('warm')).markSent();
    // The next request finds the budget away: from then on the replica knows it paces itself.
    const second = throttle.acquire('warm');
    await vi.advanceTimersByTimeAsync(1000);
    (await second).markSent();
    const start = Date.now();
    const waits: number[] = [];
    const retryAfters: number[] = [];
    for (let index = 0; index < 60; index += 1) {
      void throttle.acquire('key:a').then(
        (slot) => {
          slot.markSent();
          waits.push(Date.now() - start);
        },
        (error: RateLimitedError) => retryAfters.push(error.retryAfterSeconds),
      );
    }
    await vi.advanceTimersByTimeAsync(20_000);
    expect(waits.length + retryAfters.length).toBe(60);
    // Estimated at the full limit's pace (51.25 ms), 39 were admitted and the last waited 5.6 s.
    expect(Math.max(...waits)).toBeLessThanOrEqual(2000 + 3 * 51.25);
    // Told to come back once the admitted queue has drained, at this replica's pace.
    expect(Math.min(...retryAfters)).toBeGreaterThanOrEqual(Math.max(...waits) / 1000);
  });

  it('hands every slot of one answer to its caller at once, asking for as many as wait, and passes on the slot of a caller that left', async () => {
    const asked: number[] = [];
    const sent: number[] = [];
    const answers: Array<SharedSlotAnswer | undefined> = [
      {
        granted: [{ index: 0, markSent: (delayMs) => void sent.push(delayMs) }, { index: 1 }, { index: 0 }, { index: 2 }],
        waitMs: 0,
        busyCallers: 3,
        busyQueues: 3,
      },
    ];
    const { outcomes } = await simulate(
      {
        ...QUARTER_SECOND,
        takeSharedSlot: async (_candidates, _limit, _windowMs, maxGrants) => {
          asked.push(maxGrants);
          // The answer comes back 100 ms later, after caller c has left.
          await new Promise((resolve) => setTimeout(resolve, 100));
          return answers.shift();
        },
      },
      [{ at: 0, caller: 'a', sendDelay: 30 }, ...burst('a', 2), { at: 0, caller: 'b' }, { at: 0, caller: 'c', leaveAt: 50 }],
    );
    // Five waiting, four at most (the limit); c's slot goes to a's third request.
    expect(asked).toEqual([4]);
    expect(outcomes).toEqual([100, 100, 100, 100, 'left']);
    // The first slot's send is reported to the budget, counted from when it was asked.
    expect(sent).toEqual([130]);
  });

  it('once backlogged for a window, predicts waits from the pace this replica actually gets', async () => {
    // Another replica takes every other slot: this one is granted one per 500 ms, not one per 250 ms.
    let nextAt = 0;
    const throttle = createActionThrottle({
      ...QUARTER_SECOND,
      action: 'GetFaceIdTokenIntl',
      limit: 4,
      maxQueueWaitMs: 60_000,
      takeSharedSlot: async () => {
        if (Date.now() < nextAt) return { granted: [], waitMs: nextAt - Date.now(), busyCallers: 2, busyQueues: 2 };
        nextAt = Date.now() + 500;
        return { granted: [{ index: 0 }], waitMs: 0, busyCallers: 2, busyQueues: 2 };
      },
    } as ActionThrottleOptions);
    const controller = new AbortController();
    const pending = [...burst('a', 5), ...burst('b', 5)].map((arrival) =>
      throttle.acquire(arrival.caller, controller.signal).then((slot) => slot.markSent(), () => 'left'),
    );
    await vi.advanceTimersByTimeAsync(1100);
    expect(throttle.queueDepth).toBe(7);
    // Slots came at 0, 500 and 1000; the next at 1500, at this replica's pace of one per 500 ms, which a newcomer,
    // served least lately here, takes. It is still told it may wait a turn behind each of the two busy queues the
    // budget reports (150 ms to this replica's next paced slot, then two turns of 250 ms): the budget may hold a turn
    // of it from another replica. A caller served lately waits its turns behind the others at the real pace.
    expect(throttle.expectedWaitMs('c')).toBe(150 + 2 * 250);
    expect(throttle.expectedWaitMs('a')).toBeGreaterThanOrEqual(400 + 3 * 500);
    controller.abort();
    await Promise.all(pending);
  });

  it('tells a newcomer the wait its turn among every replica\'s busy callers implies', async () => {
    const throttle = createActionThrottle({
      ...QUARTER_SECOND,
      action: 'GetFaceIdTokenIntl',
      limit: 4,
      maxQueueWaitMs: 5000,
      takeSharedSlot: async () => ({ granted: [], waitMs: 10_000, busyCallers: 4, busyQueues: 4 }),
    } as ActionThrottleOptions);
    const controller = new AbortController();
    const first = throttle.acquire('a', controller.signal).catch(() => 'left');
    await vi.advanceTimersByTimeAsync(1);
    // Four callers busy elsewhere, a fifth arriving: it is served fifth at worst (the shared budget may hold a turn
    // of it from another replica, which this one cannot see). A caller waiting already takes its turn after every
    // other busy caller's.
    expect(throttle.expectedWaitMs('c')).toBe(4 * 250);
    expect(throttle.expectedWaitMs('a')).toBe((2 * 4 - 1) * 250);
    controller.abort();
    expect(await first).toBe('left');
  });
});

describe('many identities of one client', () => {
  // Forty identities are the most whose fair shares (1/50 each, with the ten newcomers) still fit the 2 s bound:
  // each of fifty callers is due a slot every 2.5 s. With more, a newcomer's fair wait is past the bound and it is
  // refused, as any other caller would be: per-caller fairness cannot tell one client's many identities apart.
  it.each([40])(
    'lets newcomers in while %i callers each keep a request waiting and send another the moment one is answered or refused',
    async (identities) => {
      const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 2000 });
      let attackerGrants = 0;
      let stopped = false;
      // Each identity sends its next request at once, whatever the answer: no wait for retryAfter.
      const press = (caller: string): void => {
        if (stopped) return;
        throttle.acquire(caller).then(
          (slot) => {
            slot.markSent();
            attackerGrants += 1;
            setTimeout(() => press(caller), 1);
          },
          () => setTimeout(() => press(caller), 20),
        );
      };
      for (let index = 0; index < identities; index += 1) press(`jwt:sybil-${index}`);
      await vi.advanceTimersByTimeAsync(5000);
      // Ten honest callers, one request each, arriving while the flood goes on.
      const honest = Array.from({ length: 10 }, (_unused, index) =>
        throttle.acquire(`jwt:user-${index}`).then(
          (slot) => {
            slot.markSent();
            return Date.now() - 5000;
          },
          (error: unknown) => (error instanceof RateLimitedError ? 'refused' : 'left'),
        ),
      );
      await vi.advanceTimersByTimeAsync(3000);
      stopped = true;
      const waits = await Promise.all(honest);
      // Max-min fairness among 50 callers: every newcomer is admitted and served once, within the bound plus a
      // window (identities whose last grant leaves the window while a newcomer waits go before it again). Before
      // the least served went first, all ten were refused, each time they came back.
      expect(waits.filter((wait) => wait === 'refused')).toEqual([]);
      console.info(`${identities} identities: newcomers waited ${(waits as number[]).join(', ')} ms; the identities took ${attackerGrants} slots`);
      expect(Math.max(...(waits as number[]))).toBeLessThanOrEqual(2000 + 1025);
      expect(attackerGrants).toBeGreaterThan(100);
      await vi.advanceTimersByTimeAsync(10_000);
    },
    30_000,
  );
});

describe('a busy event loop', () => {
  /**
   * While a flood is being refused, the event loop turns over only every few hundred milliseconds, and a timer due
   * in between fires at the next turn. This replaces the fake setTimeout with one that fires only on turns
   * `turnMs` apart, as such a loop does, so p-throttle's timers (and the throttle's own sleeps) fire late.
   */
  function turnEvery(turnMs: number): void {
    const onTime = globalThis.setTimeout;
    vi.stubGlobal('setTimeout', ((callback: () => void, ms = 0) => {
      const due = Date.now() + ms;
      return onTime(callback, Math.ceil(due / turnMs) * turnMs - Date.now());
    }) as typeof setTimeout);
  }
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /**
   * `count` requests arriving 20 ms apart from `callers` callers, each with a signal of its own (as each request has),
   * sent as soon as granted; the ones still queued at the end leave. Resolves with the grant times.
   */
  async function arrivingEvery20Ms(throttle: ReturnType<typeof createActionThrottle>, count: number, callers: number): Promise<number[]> {
    const controllers: AbortController[] = [];
    const grants: number[] = [];
    const pending: Array<Promise<unknown>> = [];
    for (let index = 0; index < count; index += 1) {
      if (index * 20 > Date.now()) await vi.advanceTimersByTimeAsync(index * 20 - Date.now());
      const controller = new AbortController();
      controllers.push(controller);
      pending.push(
        throttle.acquire(`c${index % callers}`, controller.signal).then(
          (slot) => {
            slot.markSent();
            grants.push(Date.now());
          },
          () => undefined,
        ),
      );
    }
    for (const controller of controllers) controller.abort();
    await Promise.all(pending);
    return grants;
  }

  const grantTimes = (outcomes: Outcome[]) => outcomes.filter((outcome): outcome is number => typeof outcome === 'number').sort((a, b) => a - b);

  it.each([100, 300, 450])('still spends the 20/s budget when timers fire only every %i ms, at most 20 per sliding window', async (turnMs) => {
    turnEvery(turnMs);
    const arrivals = [...burst('a', 150), ...burst('b', 150), ...burst('c', 150)];
    const grants = grantTimes((await simulate({ maxQueueWaitMs: 60_000 }, arrivals, 40_000)).outcomes);
    expect(grants).toHaveLength(450);
    expect(maxPerWindow(grants, 1025)).toBeLessThanOrEqual(20);
    // The most such a loop allows: a slot the window holds back opens at the turn after the window (1,025 ms) ends,
    // so 20 slots per 1,100 ms with a turn every 100 ms. Paced one per timer, it was one slot per turn.
    const windowOnTurns = Math.ceil(1025 / turnMs) * turnMs;
    expect(grants.filter((at) => at < 10_000).length).toBeGreaterThanOrEqual(Math.floor((10_000 / windowOnTurns) * 20 * 0.95));
  });

  it('keeps the pace while timers are starved for seconds, woken by the requests that keep arriving', async () => {
    // A dense flood can hold node's poll phase for seconds: no timer fires until 10 s, while requests still arrive.
    turnEvery(10_000);
    const throttle = createActionThrottle({ action: 'GetFaceIdTokenIntl', limit: 20, maxQueueWaitMs: 2000 });
    const grants = await arrivingEvery20Ms(throttle, 450, 30);
    // Before, nothing was granted until the timers fired at 10 s.
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor((9000 / 1025) * 20 * 0.95));
    expect(maxPerWindow(grants, 1025)).toBeLessThanOrEqual(20);
  });

  it('keeps asking the shared budget while timers are starved, woken by the requests that keep arriving', async () => {
    turnEvery(10_000);
    let asked = 0;
    const throttle = createActionThrottle({
      action: 'GetFaceIdTokenIntl',
      limit: 20,
      maxQueueWaitMs: 2000,
      // The budget says "wait 50 ms" first, then grants one slot per call.
      takeSharedSlot: async () => (++asked === 1 ? { granted: [], waitMs: 50, busyCallers: 1, busyQueues: 1 } : { granted: [{ index: 0 }], waitMs: 0, busyCallers: 1, busyQueues: 1 }),
    });
    const granted = (await arrivingEvery20Ms(throttle, 50, 5)).length;
    // Before, the pump slept on the budget's 50 ms for the whole 10 s: one call, nothing granted.
    expect(asked).toBeGreaterThan(2);
    expect(granted).toBeGreaterThan(10);
  });

  it('makes up at most PACING_CATCH_UP_MS of missed slots at once, however late the timer', async () => {
    turnEvery(2000);
    const grants = grantTimes((await simulate({ maxQueueWaitMs: 60_000 }, burst('a', 100), 40_000)).outcomes);
    expect(grants).toHaveLength(100);
    const atOnce = Math.max(...[...new Set(grants)].map((at) => grants.filter((grant) => grant === at).length));
    expect(atOnce).toBe(Math.floor(PACING_CATCH_UP_MS / 51.25) + 1);
    expect(maxPerWindow(grants, 1025)).toBeLessThanOrEqual(20);
  });
});
