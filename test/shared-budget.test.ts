import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient } from '../src/faceid/client.js';
import { createFairQueue } from '../src/faceid/fair-queue.js';
import {
  MAX_SHARED_BUSY_CALLERS,
  MAX_SHARED_CALLER_KEY_LENGTH,
  REPLICA_SEEN_MS,
  SHARED_BUDGET_RETRY_PAUSE_MS,
  createRedisSharedBudget,
  sharedCallerKey,
  type SharedBudget,
} from '../src/faceid/shared-budget.js';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { TEST_KEY_PAIR } from './helpers/harness.js';
import { createMemoryLog } from './helpers/memory-log.js';
import { REDIS_URL, redisAnswers } from './helpers/redis.js';
import { maxPerWindow } from './helpers/sliding-window.js';

const available = await redisAnswers();
if (!available && process.env.CI) throw new Error(`CI must run the shared-budget tests, but Redis does not answer at ${REDIS_URL}`);
if (!available) console.warn(`Skipping the shared-budget tests: no Redis at ${REDIS_URL} (start one with redis-server).`);

function createReplica(emulator: FaceIdEmulator, budget: SharedBudget | undefined, logger = createLogger('silent')): FaceIdClient {
  return createFaceIdClient({
    endpoint: emulator.url,
    region: 'ap-singapore',
    credentials: { ...TEST_KEY_PAIR },
    rateLimitPerSecond: 20,
    maxQueueWaitMs: 9000,
    attemptTimeoutMs: 2000,
    totalTimeoutMs: 20_000,
    retry: DEFAULT_RETRY_POLICY,
    logger,
    sharedBudget: budget,
  });
}

/**
 * One caller's requests arriving at one replica, at these times (ms on the fake clock). With `closedLoop`, each
 * request granted is followed by another `closedLoop` ms later, as a client does that keeps so many in flight.
 */
interface Demand {
  replica: number;
  caller: string;
  arrivals: number[];
  closedLoop?: number;
}

const burst = (count: number) => Array.from({ length: count }, () => 0);

/**
 * Two replicas asking one Redis for slots on a fake clock, as the throttle's shared path does: each keeps its own
 * fair queue, offers its busy callers in turn order, takes a granted slot at once and otherwise asks again after
 * the wait it was told. Events run one at a time in time order, so the outcome does not depend on the machine.
 */
async function simulateReplicas(demands: Demand[], untilMs: number, turnMs?: number) {
  const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
  let now = 0;
  const replicas = [0, 1].map(() => ({
    budget: createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, clock: () => now }),
    queue: createFairQueue<number>(),
    askAt: 0,
  }));
  const pending = demands
    .flatMap((demand) => demand.arrivals.map((at) => ({ ...demand, at })))
    .sort((a, b) => a.at - b.at);
  const closedLoops = new Map(demands.filter((demand) => demand.closedLoop !== undefined).map((demand) => [`${demand.replica}|${demand.caller}`, demand]));
  const grants: Array<{ caller: string; replica: number; at: number }> = [];
  const waits = new Map<string, number[]>();
  try {
    expect(await Promise.all(replicas.map((replica) => replica.budget.ready(3000)))).toEqual([true, true]);
    while (now < untilMs) {
      while (pending.length > 0 && pending[0]!.at <= now) {
        const arrival = pending.shift()!;
        const replica = replicas[arrival.replica]!;
        if (replica.queue.size === 0) replica.askAt = Math.max(replica.askAt, arrival.at);
        replica.queue.push(arrival.caller, arrival.at);
      }
      const asking = replicas.filter((replica) => replica.queue.size > 0 && replica.askAt <= now);
      for (const replica of asking) {
        const candidates = replica.queue.callers().map((callerId) => ({ callerId, queued: replica.queue.queuedBy(callerId) }));
        const answer = await replica.budget.take('GetFaceIdTokenIntl', candidates, 20, 1025, Math.min(replica.queue.size, 20));
        if (!answer) throw new Error('Redis did not answer');
        for (const slot of answer.granted) {
          const chosen = candidates[slot.index]!;
          const arrivedAt = replica.queue.shiftFrom(chosen.callerId)!;
          grants.push({ caller: chosen.callerId, replica: replicas.indexOf(replica), at: now });
          waits.set(chosen.callerId, [...(waits.get(chosen.callerId) ?? []), now - arrivedAt]);
          const loop = closedLoops.get(`${replicas.indexOf(replica)}|${chosen.callerId}`);
          if (loop) {
            const next = { ...loop, at: now + loop.closedLoop! };
            const later = pending.findIndex((arrival) => arrival.at > next.at);
            pending.splice(later === -1 ? pending.length : later, 0, next);
          }
        }
        if (answer.granted.length === 0) replica.askAt = now + answer.waitMs;
        // A replica whose event loop turns over only every `turnMs` asks again at its next turn, whatever it was told;
        // the replicas' loops are out of step, by half a turn.
        if (turnMs) {
          const phase = (replicas.indexOf(replica) * turnMs) / 2;
          replica.askAt = phase + Math.max(Math.ceil((now + 1 - phase) / turnMs), Math.ceil((replica.askAt - phase) / turnMs)) * turnMs;
        }
      }
      const next = Math.min(
        pending[0]?.at ?? Number.POSITIVE_INFINITY,
        ...replicas.filter((replica) => replica.queue.size > 0).map((replica) => replica.askAt),
      );
      if (next > now) now = Math.min(next, untilMs);
    }
  } finally {
    for (const replica of replicas) await replica.budget.close();
  }
  return { grants, waits };
}

/**
 * One budget on a fake clock (starting at 1,000,000 ms) under a key prefix of its own, and a plain Redis client to
 * look at its keys; both closed after `use`.
 */
async function withInspectedBudget(
  use: (context: { budget: SharedBudget; redis: Redis; keyPrefix: string; clock: { now: number } }) => Promise<void>,
): Promise<void> {
  const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
  const clock = { now: 1_000_000 };
  const budget = createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, clock: () => clock.now });
  const redis = new Redis(REDIS_URL);
  try {
    expect(await budget.ready(3000)).toBe(true);
    await use({ budget, redis, keyPrefix, clock });
  } finally {
    redis.disconnect();
    await budget.close();
  }
}

/** Who asks for how much, and the share of the budget each caller must get (low, high). */
const FAIRNESS_CASES: Array<[string, Demand[], Record<string, [number, number]>]> = [
  [
    'two greedy callers, one per replica, each get half',
    [
      { replica: 0, caller: 'a', arrivals: burst(400) },
      { replica: 1, caller: 'b', arrivals: burst(400) },
    ],
    { a: [0.45, 0.55], b: [0.45, 0.55] },
  ],
  [
    'two greedy callers, each spread over both replicas, each get half',
    [
      { replica: 0, caller: 'a', arrivals: burst(200) },
      { replica: 1, caller: 'a', arrivals: burst(200) },
      { replica: 0, caller: 'b', arrivals: burst(200) },
      { replica: 1, caller: 'b', arrivals: burst(200) },
    ],
    { a: [0.45, 0.55], b: [0.45, 0.55] },
  ],
  [
    'a caller needing a third on one replica is fully served while a greedy one saturates the other',
    [
      { replica: 0, caller: 'greedy', arrivals: burst(400) },
      { replica: 1, caller: 'third', arrivals: Array.from({ length: 65 }, (_unused, index) => index * 153.75) },
    ],
    { greedy: [0.64, 0.7], third: [0.3, 0.36] },
  ],
  [
    'a caller keeping 40 requests in flight on one replica and one sending one at a time on the other each get half',
    [
      { replica: 0, caller: 'busy', arrivals: burst(40), closedLoop: 5 },
      { replica: 1, caller: 'light', arrivals: burst(1), closedLoop: 5 },
    ],
    { busy: [0.45, 0.55], light: [0.45, 0.55] },
  ],
  [
    'the same, with the one-at-a-time caller on the replica that asks first when both ask at once',
    [
      { replica: 0, caller: 'light', arrivals: burst(1), closedLoop: 5 },
      { replica: 1, caller: 'busy', arrivals: burst(40), closedLoop: 5 },
    ],
    { busy: [0.45, 0.55], light: [0.45, 0.55] },
  ],
  [
    'a greedy caller and one sending one request at a time on one replica, and another sending one at a time on the other, each get a third',
    [
      { replica: 0, caller: 'greedy', arrivals: burst(400) },
      { replica: 0, caller: 'light', arrivals: burst(1), closedLoop: 3 },
      { replica: 1, caller: 'other', arrivals: burst(1), closedLoop: 8 },
    ],
    { greedy: [0.3, 0.37], light: [0.3, 0.37], other: [0.3, 0.37] },
  ],
];

describe.skipIf(!available)('a budget shared by several replicas', () => {
  let emulator: FaceIdEmulator;
  beforeAll(async () => {
    emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }] });
  });
  afterAll(() => emulator.close());

  it.each(FAIRNESS_CASES)('on a fake clock against the real Redis: %s, at most 20 per sliding second, every slot used', async (_case, demands, shares) => {
    const { grants, waits } = await simulateReplicas(demands, 10_000);
    const times = grants.map((grant) => grant.at);
    expect(maxPerWindow(times, 1000)).toBeLessThanOrEqual(20);
    // Work-conserving: the replicas together used every slot of the pace, one per 51.25 ms.
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor(10_000 / 51.25) - 1);
    const figures = Object.keys(shares).map((caller) => `${caller} ${((grants.filter((grant) => grant.caller === caller).length / grants.length) * 100).toFixed(1)}%`);
    console.info(`${_case}: ${grants.length} grants in 10 s, max ${maxPerWindow(times, 1000)} per sliding second, ${figures.join(', ')}`);
    for (const [caller, [low, high]] of Object.entries(shares)) {
      const share = grants.filter((grant) => grant.caller === caller).length / grants.length;
      expect(share, caller).toBeGreaterThanOrEqual(low);
      expect(share, caller).toBeLessThanOrEqual(high);
    }
    // A caller waiting on both replicas has its turns split evenly between its two queues.
    for (const demand of demands) {
      if (demands.filter((other) => other.caller === demand.caller).length < 2) continue;
      const mine = grants.filter((grant) => grant.caller === demand.caller);
      const here = mine.filter((grant) => grant.replica === demand.replica).length / mine.length;
      expect(here, `${demand.caller} on replica ${demand.replica}`).toBeGreaterThanOrEqual(0.45);
      expect(here, `${demand.caller} on replica ${demand.replica}`).toBeLessThanOrEqual(0.55);
    }
    // The light caller never waited more than two spacings: its turn comes before the greedy caller's next one.
    if ('third' in shares) expect(Math.max(...(waits.get('third') ?? [0]))).toBeLessThanOrEqual(2 * 51.25 + 1);
    // A caller sending one request at a time waits at most a round of turns: one spacing per busy caller.
    for (const demand of demands.filter((each) => each.closedLoop !== undefined && each.arrivals.length === 1)) {
      expect(Math.max(...(waits.get(demand.caller) ?? [0])), demand.caller).toBeLessThanOrEqual(Object.keys(shares).length * 51.25 + 1);
    }
  }, 60_000);

  it.each(FAIRNESS_CASES)('on a fake clock, replicas whose event loops turn over only every 300 ms (a flood being refused): %s, the budget still spent, shared the same', async (_case, demands, shares) => {
    const { grants } = await simulateReplicas(demands, 10_000, 300);
    const times = grants.map((grant) => grant.at);
    expect(maxPerWindow(times, 1025)).toBeLessThanOrEqual(20);
    // The most such loops allow: a slot the window holds back is granted at the first turn after it, 20 per 1,200 ms.
    // One slot per call, as before, gave one per turn per replica.
    const figures = Object.keys(shares).map((caller) => `${caller} ${((grants.filter((grant) => grant.caller === caller).length / grants.length) * 100).toFixed(1)}%`);
    console.info(`${_case}, turns of 300 ms: ${grants.length} grants in 10 s, ${figures.join(', ')}`);
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor((10_000 / 1200) * 20 * 0.95));
    const oneAtATime = demands.filter((demand) => demand.closedLoop !== undefined && demand.arrivals.length === 1);
    if (oneAtATime.length > 0) {
      // A caller sending one request at a time can send one per turn of its replica's loop, fewer than its share:
      // it gets every one (but the first turn's), and the greedy callers the rest.
      for (const demand of oneAtATime) {
        expect(grants.filter((grant) => grant.caller === demand.caller).length, demand.caller).toBeGreaterThanOrEqual(Math.floor(10_000 / 300) - 1);
      }
      return;
    }
    if ('third' in shares) {
      // Fewer slots than on time, so the caller needing a third of the full budget needs more than a third of
      // these: every request of it is served (but those of the last two turns).
      const asked = demands.find((demand) => demand.caller === 'third')!.arrivals.filter((at) => at < 10_000 - 600).length;
      expect(grants.filter((grant) => grant.caller === 'third').length).toBeGreaterThanOrEqual(asked);
      return;
    }
    for (const [caller, [low, high]] of Object.entries(shares)) {
      const share = grants.filter((grant) => grant.caller === caller).length / grants.length;
      expect(share, caller).toBeGreaterThanOrEqual(low);
      expect(share, caller).toBeLessThanOrEqual(high);
    }
  }, 60_000);

  it('on a fake clock: a caller whose queue empties on one replica keeps its turn while it still waits on another', async () => {
    // g and x are greedy on replica 1; x also sends one request every 100 ms to replica 0, whose queue for it empties
    // at each grant. Forgetting x's last turn then gave x its next turn on replica 1 at once: 62 % against 38 %.
    const { grants } = await simulateReplicas(
      [
        { replica: 1, caller: 'g', arrivals: burst(400) },
        { replica: 1, caller: 'x', arrivals: burst(400) },
        { replica: 0, caller: 'x', arrivals: Array.from({ length: 100 }, (_unused, index) => index * 100) },
      ],
      10_000,
    );
    const busy = grants.filter((grant) => grant.at < 8000);
    const share = busy.filter((grant) => grant.caller === 'x').length / busy.length;
    expect(share).toBeGreaterThanOrEqual(0.45);
    expect(share).toBeLessThanOrEqual(0.55);
    expect(maxPerWindow(grants.map((grant) => grant.at), 1000)).toBeLessThanOrEqual(20);
  }, 60_000);

  it('on a fake clock: never grants within a window of the send time of the grant `limit` places back, on any replica', async () => {
    const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
    let now = 0;
    const budgets = [0, 1].map(() => createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, clock: () => now }));
    try {
      expect(await Promise.all(budgets.map((budget) => budget.ready(3000)))).toEqual([true, true]);
      const answers: Array<[number, number]> = [];
      // Four slots a second, 250 ms apart; the first request, granted on replica 0, left 300 ms late.
      for (const [at, replica] of [[0, 0], [250, 1], [500, 0], [750, 1], [1000, 0], [1250, 0]] as const) {
        now = at;
        const answer = (await budgets[replica]!.take('GetFaceIdTokenIntl', [{ callerId: 'key:backend', queued: 9 }], 4, 1000))!;
        if (at === 0) answer.granted[0]!.markSent!(300);
        answers.push([answer.granted.length === 1 ? answer.granted[0]!.index : -1, answer.waitMs]);
      }
      // Sends at 300 (late), 250, 500 and 750: a fifth may only leave once the one at 250 is a window old.
      expect(answers).toEqual([[0, 0], [0, 0], [0, 0], [0, 0], [-1, 250], [0, 0]]);
    } finally {
      for (const budget of budgets) await budget.close();
    }
  });

  it.each([40, 100, 500])('on a fake clock: a request that leaves %i ms after its grant on a replica that then goes quiet still holds the other replicas to 20 per sliding second', async (sendDelay) => {
    const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
    let now = 0;
    const [quiet, greedy] = [0, 1].map(() => createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, clock: () => now }));
    const sends: number[] = [];
    try {
      expect(await Promise.all([quiet!.ready(3000), greedy!.ready(3000)])).toEqual([true, true]);
      let greedyAsksAt = 0;
      let greedyQueued = 400;
      let quietAsksAt = 1000;
      let quietSend: { at: number; report: () => Promise<void> } | undefined;
      for (; now < 4000; now += 1) {
        if (!quietSend && now >= quietAsksAt) {
          // One request from a light caller, granted in its turn.
          const answer = (await quiet!.take('GetFaceIdTokenIntl', [{ callerId: 'light', queued: 1 }], 20, 1025))!;
          const slot = answer.granted[0];
          if (slot) quietSend = { at: now + sendDelay, report: async () => slot.markSent?.(sendDelay) };
          else quietAsksAt = now + answer.waitMs;
        }
        if (quietSend && now === quietSend.at) {
          // It leaves, and says so; the replica asks for nothing more.
          sends.push(now);
          await quietSend.report();
        }
        if (now >= greedyAsksAt && greedyQueued > 0) {
          const answer = (await greedy!.take('GetFaceIdTokenIntl', [{ callerId: 'greedy', queued: greedyQueued }], 20, 1025, Math.min(greedyQueued, 20)))!;
          for (const slot of answer.granted) {
            greedyQueued -= 1;
            sends.push(now);
            await slot.markSent?.(0);
          }
          greedyAsksAt = answer.granted.length > 0 ? now + 1 : now + answer.waitMs;
        }
      }
      expect(quietSend).toBeDefined();
      expect(maxPerWindow(sends, 1000)).toBeLessThanOrEqual(20);
    } finally {
      await quiet!.close();
      await greedy!.close();
    }
  }, 60_000);

  it(`on a fake clock: reports the replicas that asked within REPLICA_SEEN_MS, for a replica to pace itself by when Redis is away`, async () => {
    const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
    let now = 0;
    const budgets = [0, 1, 2].map(() => createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, clock: () => now }));
    const take = async (replica: number) =>
      (await budgets[replica]!.take('GetFaceIdTokenIntl', [{ callerId: `key:replica-${replica}`, queued: 1 }], 20, 1025))!.replicas;
    try {
      expect(await Promise.all(budgets.map((budget) => budget.ready(3000)))).toEqual([true, true, true]);
      expect([await take(0), await take(1), await take(2)]).toEqual([1, 2, 3]);
      now = REPLICA_SEEN_MS - 1;
      expect(await take(0)).toBe(3);
      // Replicas 1 and 2 last asked at 0: gone once REPLICA_SEEN_MS has passed.
      now = REPLICA_SEEN_MS + 1;
      expect(await take(0)).toBe(1);
    } finally {
      for (const budget of budgets) await budget.close();
    }
  });

  it('keeps every key bounded and expiring', () =>
    withInspectedBudget(async ({ budget, redis, keyPrefix, clock }) => {
      for (let batch = 0; batch < MAX_SHARED_BUSY_CALLERS / 25 + 4; batch += 1) {
        const candidates = Array.from({ length: 25 }, (_unused, index) => ({ callerId: `ip:10.0.${batch}.${index}`, queued: 5 }));
        await budget.take('GetFaceIdTokenIntl', candidates, 20, 1025);
      }
      expect(await redis.zcard(`${keyPrefix}:busy:GetFaceIdTokenIntl`)).toBe(MAX_SHARED_BUSY_CALLERS);
      expect(await redis.zcard(`${keyPrefix}:queues:GetFaceIdTokenIntl`)).toBe(MAX_SHARED_BUSY_CALLERS);
      // Callers beyond the cap are still granted slots; their turns are not kept, as nothing would remove them.
      for (let call = 0; call < 40; call += 1) {
        clock.now += 60;
        const answer = await budget.take('GetFaceIdTokenIntl', [{ callerId: `ip:10.1.0.${call}`, queued: 5 }], 20, 1025);
        expect(answer?.granted).toHaveLength(1);
      }
      const busyCallers = new Set(await redis.zrange(`${keyPrefix}:busy:GetFaceIdTokenIntl`, 0, -1));
      const restingCallers = new Set(await redis.zrange(`${keyPrefix}:resting:GetFaceIdTokenIntl`, 0, -1));
      expect((await redis.hkeys(`${keyPrefix}:last:GetFaceIdTokenIntl`)).filter((caller) => !busyCallers.has(caller) && !restingCallers.has(caller))).toEqual([]);
      for (const key of ['budget', 'busy', 'last', 'sent', 'seq', 'queues', 'queue-count', 'replicas']) expect(await redis.pttl(`${keyPrefix}:${key}:GetFaceIdTokenIntl`)).toBeGreaterThan(0);
      // Registrations lapse when their replica stops asking: the next call forgets them.
      clock.now += 60_000;
      const answer = await budget.take('GetFaceIdTokenIntl', [{ callerId: 'key:backend', queued: 1 }], 20, 1025);
      expect(answer).toMatchObject({ granted: [{ index: 0 }], waitMs: 0, busyCallers: 1 });
      expect(await redis.zcard(`${keyPrefix}:busy:GetFaceIdTokenIntl`)).toBe(0);
      // Its one request granted, the caller rests: its last turn is kept for a window, then forgotten.
      expect(await redis.zrange(`${keyPrefix}:resting:GetFaceIdTokenIntl`, 0, -1)).toEqual(['key:backend']);
      expect(await redis.hkeys(`${keyPrefix}:last:GetFaceIdTokenIntl`)).toEqual(['key:backend']);
      expect(await redis.pttl(`${keyPrefix}:resting:GetFaceIdTokenIntl`)).toBeGreaterThan(0);
      expect(await redis.zcard(`${keyPrefix}:queues:GetFaceIdTokenIntl`)).toBe(0);
      expect(await redis.hlen(`${keyPrefix}:queue-last:GetFaceIdTokenIntl`)).toBe(0);
      expect(await redis.hlen(`${keyPrefix}:queue-count:GetFaceIdTokenIntl`)).toBe(0);
      expect(await redis.zcard(`${keyPrefix}:sent:GetFaceIdTokenIntl`)).toBeLessThanOrEqual(20);
      clock.now += 1025;
      await budget.take('GetFaceIdTokenIntl', [{ callerId: 'key:other', queued: 2 }], 20, 1025);
      expect(await redis.zcard(`${keyPrefix}:resting:GetFaceIdTokenIntl`)).toBe(0);
      expect(await redis.hkeys(`${keyPrefix}:last:GetFaceIdTokenIntl`)).toEqual(['key:other']);
    }));

  it('stores a caller id longer than MAX_SHARED_CALLER_KEY_LENGTH by its hash: Redis holds no client text of any length', () =>
    withInspectedBudget(async ({ budget, redis, keyPrefix }) => {
      const longSubject = `jwt:${'s'.repeat(11_000)}`;
      const answer = await budget.take('GetFaceIdTokenIntl', [{ callerId: longSubject, queued: 3 }], 20, 1025);
      expect(answer?.granted).toHaveLength(1);
      const members = [
        ...(await redis.zrange(`${keyPrefix}:busy:GetFaceIdTokenIntl`, 0, -1)),
        ...(await redis.hkeys(`${keyPrefix}:last:GetFaceIdTokenIntl`)),
        ...(await redis.zrange(`${keyPrefix}:queues:GetFaceIdTokenIntl`, 0, -1)),
      ];
      expect(members.length).toBeGreaterThan(0);
      expect(Math.max(...members.map((member) => member.length))).toBeLessThanOrEqual(MAX_SHARED_CALLER_KEY_LENGTH + 16);
      expect(members).toContain(sharedCallerKey(longSubject));
      // A short id is kept as it is, readable when an operator looks at Redis.
      expect(sharedCallerKey('jwt:user-42')).toBe('jwt:user-42');
    }));

  it('keeps the last turns of callers gone idle for at most MAX_SHARED_BUSY_CALLERS callers', () =>
    withInspectedBudget(async ({ budget, redis, keyPrefix, clock }) => {
      // At 10,000 a second, more callers than the cap each send one request within one window, and go idle.
      for (let caller = 0; caller < MAX_SHARED_BUSY_CALLERS + 100; caller += 1) {
        clock.now += 0.2;
        const answer = await budget.take('GetFaceIdTokenIntl', [{ callerId: `ip:10.3.${caller >> 8}.${caller & 255}`, queued: 1 }], 10_000, 1025);
        expect(answer?.granted).toHaveLength(1);
      }
      expect(await redis.zcard(`${keyPrefix}:resting:GetFaceIdTokenIntl`)).toBe(MAX_SHARED_BUSY_CALLERS);
      expect(await redis.hlen(`${keyPrefix}:last:GetFaceIdTokenIntl`)).toBe(MAX_SHARED_BUSY_CALLERS);
    }));

  it('is wired from FACEID_SHARED_BUDGET_REDIS_URL: a minted token takes a slot in Redis', async () => {
    const gateway = await createGateway(
      loadConfig({
        TENCENTCLOUD_SECRET_ID: TEST_KEY_PAIR.secretId,
        TENCENTCLOUD_SECRET_KEY: TEST_KEY_PAIR.secretKey,
        FACEID_ENDPOINT: emulator.url,
        FACEID_SHARED_BUDGET_REDIS_URL: REDIS_URL,
      }),
      createLogger('silent'),
    );
    const redis = new Redis(REDIS_URL);
    try {
      const before = Date.now();
      await gateway.faceid.applyEkycToken({});
      const nextFree = Number(await redis.get('faceid-gateway:budget:ApplySdkVerificationToken'));
      // A lone caller with nothing more waiting is not left registered as busy.
      expect(await redis.zscore('faceid-gateway:busy:ApplySdkVerificationToken', 'unnamed')).toBeNull();
      expect(nextFree).toBeGreaterThan(before);
    } finally {
      redis.disconnect();
      await gateway.close();
    }
  });

  it('after a failed call, does not ask Redis again for SHARED_BUDGET_RETRY_PAUSE_MS (one failure per pause, not per slot)', async () => {
    let now = 0;
    let unavailable = 0;
    const budget = createRedisSharedBudget({ url: 'redis://127.0.0.1:1/0', logger: createLogger('silent'), now: () => now, onUnavailable: () => (unavailable += 1) });
    const take = () => budget.take('GetFaceIdTokenIntl', [{ callerId: 'key:backend', queued: 1 }], 20, 1025);
    try {
      expect(await take()).toBeUndefined();
      expect(unavailable).toBe(1);
      now = SHARED_BUDGET_RETRY_PAUSE_MS - 1;
      expect(await take()).toBeUndefined();
      expect(unavailable).toBe(1);
      now = SHARED_BUDGET_RETRY_PAUSE_MS;
      expect(await take()).toBeUndefined();
      expect(unavailable).toBe(2);
    } finally {
      await budget.close();
    }
  });

  it('fails open to the local throttle, and says so, when Redis does not answer', async () => {
    const log = createMemoryLog();
    const logger = createLogger('info', log.stream);
    let unavailable = 0;
    const budget = createRedisSharedBudget({ url: 'redis://127.0.0.1:1/0', logger, onUnavailable: () => (unavailable += 1) });
    const replica = createReplica(emulator, budget, logger);
    try {
      const token = await replica.getSelfieToken({});
      expect(token.sdkToken).toMatch(/^[0-9A-F-]{36}$/);
      expect(unavailable).toBeGreaterThanOrEqual(1);
      expect(log.entries().filter((entry) => String(entry.msg).startsWith('shared budget unavailable'))).toHaveLength(1);
    } finally {
      replica.close();
      await budget.close();
    }
  });
});
