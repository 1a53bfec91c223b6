import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient } from '../src/faceid/client.js';
import { createRedisSharedBudget, type SharedBudget } from '../src/faceid/shared-budget.js';
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { TEST_KEY_PAIR } from './helpers/harness.js';
import { createMemoryLog } from './helpers/memory-log.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

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

/** Most arrivals in any window of one second that starts at an arrival. */
function maxPerSecond(arrivals: number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 1000) end += 1;
    best = Math.max(best, end - start);
  }
  return best;
}

describe.skipIf(!available)('a budget shared by several replicas', () => {
  let emulator: FaceIdEmulator;
  beforeAll(async () => {
    emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }] });
  });
  afterAll(() => emulator.close());

  it('keeps two replicas together at 20 per sliding second while they use at least 95% of it', async () => {
    const keyPrefix = `faceid-gateway-test:${randomUUID()}`;
    const budgets = [0, 1].map(() => createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix }));
    const replicas = budgets.map((budget) => createReplica(emulator, budget));
    try {
      expect(await Promise.all(budgets.map((budget) => budget.ready(3000)))).toEqual([true, true]);
      await Promise.all(replicas.map((replica) => replica.getSelfieToken({})));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      emulator.clearRecords();

      // Each replica is offered 30 calls per second for four seconds: 60/s in all, three times the budget.
      const pending: Array<Promise<unknown>> = [];
      for (let tick = 0; tick < 120; tick += 1) {
        for (const replica of replicas) pending.push(replica.getSelfieToken({}));
        await new Promise((resolve) => setTimeout(resolve, 33));
      }
      await Promise.all(pending);

      const arrivals = emulator.requests.map((request) => request.receivedAtMs);
      expect(emulator.requests.filter((request) => request.responseCode !== 'OK')).toEqual([]);
      expect(arrivals).toHaveLength(240);
      const worst = maxPerSecond(arrivals);
      const sorted = [...arrivals].sort((a, b) => a - b);
      // Evenly paced arrivals: the rate is the gaps per second between the first and the last.
      const rate = (arrivals.length - 1) / ((sorted.at(-1)! - sorted[0]!) / 1000);
      console.info(`two replicas: max ${worst} per sliding second, ${rate.toFixed(2)}/s sustained (${((rate / 20) * 100).toFixed(1)}%)`);
      expect(worst).toBeLessThanOrEqual(20);
      expect(rate / 20).toBeGreaterThanOrEqual(0.95);
    } finally {
      for (const replica of replicas) replica.close();
      for (const budget of budgets) await budget.close();
    }
  }, 60_000);

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
      expect(nextFree).toBeGreaterThan(before);
    } finally {
      redis.disconnect();
      await gateway.close();
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
