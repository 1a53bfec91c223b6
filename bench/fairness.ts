/**
 * Benchmark of the fair throttle in real time: how a lone caller and two competing callers fare at Tencent's
 * 20/s, on one replica and on two replicas sharing one Redis. Prints figures; asserts nothing. Run with
 * `npm run bench:fairness` (Redis on 127.0.0.1:6379 for the two-replica part, or BENCH_REDIS_URL).
 *
 * The callers call the FaceID client directly (no HTTP in front), so the figures are the throttle's: the
 * emulator's arrival times, each call's wait from the call to its token, and the refusals.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { RateLimitedError } from '../src/errors.js';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient } from '../src/faceid/client.js';
import { createRedisSharedBudget, type SharedBudget } from '../src/faceid/shared-budget.js';
import { createLogger } from '../src/logger.js';
import { maxPerWindow } from '../test/helpers/sliding-window.js';

const KEY_PAIR = { secretId: 'AKIDBENCHMARKFAIRNESS00000000000000', secretKey: 'benchmark-fairness-secret-key' };
const LIMIT = 20;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CallerLoad {
  caller: string;
  /** Replica index the caller's calls go to, in turn (one entry: all to that replica). */
  replicas: number[];
  /** When each call starts, in ms from the scenario's start. */
  startsAt: number[];
  /**
   * Instead of `startsAt`: calls kept in flight until `closedLoopMs`, each followed at once by the next, or after
   * CLOSED_LOOP_REFUSED_PAUSE_MS when refused (a client that keeps pressing, not one that waits out `retryAfter`).
   */
  inFlight?: number;
}

/** How long a closed-loop caller pauses after a refusal before it calls again. */
const CLOSED_LOOP_REFUSED_PAUSE_MS = 100;

interface CallerFigures {
  served: number;
  refused: number;
  waits: number[];
}

function createReplica(emulator: FaceIdEmulator, maxQueueWaitMs: number, sharedBudget?: SharedBudget): FaceIdClient {
  return createFaceIdClient({
    endpoint: emulator.url,
    region: 'ap-singapore',
    credentials: KEY_PAIR,
    rateLimitPerSecond: LIMIT,
    maxQueueWaitMs,
    attemptTimeoutMs: 5000,
    totalTimeoutMs: 30_000,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
    logger: createLogger('silent'),
    sharedBudget,
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

async function runScenario(name: string, replicaCount: number, maxQueueWaitMs: number, loads: CallerLoad[], closedLoopMs = 0): Promise<void> {
  const emulator = await startFaceIdEmulator({ keyPairs: [KEY_PAIR], rateLimitPerSecond: LIMIT });
  const keyPrefix = `faceid-gateway-bench:${randomUUID()}`;
  let unavailable = 0;
  const budgets =
    replicaCount > 1
      ? Array.from({ length: replicaCount }, () => createRedisSharedBudget({ url: REDIS_URL, logger: createLogger('silent'), keyPrefix, onUnavailable: () => (unavailable += 1) }),
        )
      : [];
  if (budgets.length > 0 && !(await Promise.all(budgets.map((budget) => budget.ready(3000)))).every(Boolean)) {
    console.log(`\n(${name}: skipped, no Redis at ${REDIS_URL})`);
    await emulator.close();
    return;
  }
  const replicas = Array.from({ length: replicaCount }, (_unused, index) => createReplica(emulator, maxQueueWaitMs, budgets[index]));
  // Warm each replica (first TLS-less connection, JIT), then start from a quiet second.
  await Promise.all(replicas.map((replica) => replica.getSelfieToken({}, { callerId: 'warm-up' })));
  await sleep(1100);
  emulator.clearRecords();

  const figures = new Map<string, CallerFigures>(loads.map((load) => [load.caller, { served: 0, refused: 0, waits: [] }]));
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (const load of loads) {
    const entry = figures.get(load.caller)!;
    for (let lane = 0; lane < (load.inFlight ?? 0); lane += 1) {
      calls.push(
        (async () => {
          for (let call = lane; performance.now() - started < closedLoopMs; call += 1) {
            const callStarted = performance.now();
            try {
              await replicas[load.replicas[call % load.replicas.length]!]!.getSelfieToken({}, { callerId: load.caller });
              entry.served += 1;
              entry.waits.push(performance.now() - callStarted);
            } catch (error) {
              if (!(error instanceof RateLimitedError)) throw error;
              entry.refused += 1;
              await sleep(CLOSED_LOOP_REFUSED_PAUSE_MS);
            }
          }
        })(),
      );
    }
  }
  const schedule = loads
    .flatMap((load) => load.startsAt.map((at, index) => ({ load, at, replica: load.replicas[index % load.replicas.length]! })))
    .sort((a, b) => a.at - b.at);
  for (const { load, at, replica } of schedule) {
    const delay = at - (performance.now() - started);
    if (delay > 0) await sleep(delay);
    const callStarted = performance.now();
    const entry = figures.get(load.caller)!;
    calls.push(
      replicas[replica]!.getSelfieToken({}, { callerId: load.caller }).then(
        () => {
          entry.served += 1;
          entry.waits.push(performance.now() - callStarted);
        },
        (error: unknown) => {
          if (!(error instanceof RateLimitedError)) throw error;
          entry.refused += 1;
        },
      ),
    );
  }
  await Promise.all(calls);

  const arrivals = emulator.requests.map((request) => request.receivedAtMs).sort((a, b) => a - b);
  const refusedUpstream = emulator.requests.filter((request) => request.responseCode !== 'OK').length;
  const rate = arrivals.length > 1 ? (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000) : 0;
  console.log(`\n### ${name}\n`);
  console.log('| caller | served | refused | share of served | wait p50 ms | wait max ms |');
  console.log('|--------|--------|---------|-----------------|-------------|-------------|');
  const total = [...figures.values()].reduce((sum, entry) => sum + entry.served, 0);
  for (const [caller, entry] of figures) {
    console.log(
      `| ${caller} | ${entry.served} | ${entry.refused} | ${((entry.served / total) * 100).toFixed(1)}% | ${quantile(entry.waits, 0.5).toFixed(0)} | ${Math.max(0, ...entry.waits).toFixed(0)} |`,
    );
  }
  console.log(
    `\nUpstream: ${arrivals.length} arrivals, ${rate.toFixed(2)}/s between the first and the last (utilisation ${((rate / LIMIT) * 100).toFixed(1)}%), max ${maxPerWindow(arrivals)} in any sliding second, ${refusedUpstream} refused by the emulator's own 20/s window${budgets.length > 0 ? `, ${unavailable} slots taken failing open (Redis not answering within SHARED_BUDGET_COMMAND_TIMEOUT_MS)` : ''}.`,
  );

  for (const replica of replicas) replica.close();
  for (const budget of budgets) await budget.close();
  await emulator.close();
}

const atOnce = (count: number) => Array.from({ length: count }, () => 0);
/** `perSecond` calls a second, evenly spaced, for `seconds`. */
const steady = (perSecond: number, seconds: number) => Array.from({ length: Math.round(perSecond * seconds) }, (_unused, index) => (index * 1000) / perSecond);

console.log(`# faceid-gateway fairness benchmark — Node ${process.version}, ${os.cpus().length} cores, limit ${LIMIT}/s per action`);
for (const replicaCount of [1, 2]) {
  const where = replicaCount === 1 ? 'one replica' : 'two replicas, one Redis';
  const both = replicaCount === 1 ? [0] : [0, 1];
  await runScenario(`Single caller, 120 calls at once, FACEID_MAX_QUEUE_WAIT_MS=10000 — ${where}`, replicaCount, 10_000, [
    { caller: 'key:backend', replicas: both, startsAt: atOnce(120) },
  ]);
  await runScenario(
    `Greedy caller (40/s offered) + caller needing a third (6.67/s), 10 s, FACEID_MAX_QUEUE_WAIT_MS=2000 — ${where}`,
    replicaCount,
    2000,
    [
      { caller: 'greedy', replicas: [0], startsAt: steady(40, 10) },
      { caller: 'third', replicas: [replicaCount - 1], startsAt: steady(LIMIT / 3, 10) },
    ],
  );
  await runScenario(
    `A caller keeping 40 calls in flight + a caller making one call at a time${replicaCount > 1 ? ' on the other replica' : ''}, 10 s — ${where}`,
    replicaCount,
    2000,
    [
      { caller: 'busy', replicas: [0], startsAt: [], inFlight: 40 },
      { caller: 'one-at-a-time', replicas: [replicaCount - 1], startsAt: [], inFlight: 1 },
    ],
    10_000,
  );
  if (replicaCount > 1) {
    await runScenario(`Two greedy callers (40/s offered each), each on its own replica, 10 s — ${where}`, replicaCount, 2000, [
      { caller: 'greedy-a', replicas: [0], startsAt: steady(40, 10) },
      { caller: 'greedy-b', replicas: [1], startsAt: steady(40, 10) },
    ]);
    await runScenario(`Two greedy callers (40/s offered each), each spread over both replicas, 10 s — ${where}`, replicaCount, 2000, [
      { caller: 'greedy-a', replicas: [0, 1], startsAt: steady(40, 10) },
      { caller: 'greedy-b', replicas: [1, 0], startsAt: steady(40, 10) },
    ]);
  }
}
