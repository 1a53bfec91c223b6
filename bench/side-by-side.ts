/**
 * `npm run bench`: the gateway measured side by side with references started by the same run, on the same
 * machine, as ratios (absolute times drift on shared machines; ratios hold). Prints one table and writes it to
 * bench/results.md.
 *
 * Every server is a process of its own, run from JavaScript built by esbuild (the gateway exactly as `npm start`
 * runs it):
 *  - upstream: the FaceID emulator, rate limit lifted, shared by every path;
 *  - gateway: dist/server.js with production settings: NODE_ENV=production, JWT authentication (HS256), request
 *    logs at info written to a file, metrics, validation and the fair-queuing throttle (lifted to LIFTED_RATE_LIMIT
 *    for the latency figures, so that what is measured is the request path and not the budget; two more gateways
 *    keep the default 20/s and take one flood each);
 *  - reference: bench/reference-endpoint.ts, a bare node:http endpoint on the official Tencent SDK;
 *  - bare-yoga: bench/bare-yoga.ts, graphql-yoga with no plugins, for the refusal path; started afresh twice more,
 *    like the flood's gateways, it takes the same floods;
 *  - floor: bench/bare-yoga-got.ts, graphql-yoga with one resolver minting through got and nothing else: what the
 *    packages the gateway is built on cost by themselves, shown beside the reference.
 * This process is the load generator (node:http, keep-alive agents), the same for every path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildGateway } from '../scripts/build.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient } from '../src/faceid/client.js';
import { signTc3 } from '../src/faceid/tc3.js';
import { createLogger } from '../src/logger.js';
import { FACEID_API_VERSION } from '../src/faceid/wire.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { buildBenchHelpers, startGateway, startHelper, type BenchProcess } from './bench-processes.js';
import { cpuMs, postJson, rssMb } from './load-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(ROOT, 'bench', 'results.md');

/** Sizes, chosen so the whole run takes about two minutes on a loaded two-core machine. */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY_ROUNDS = 5;
const LATENCY_CALLS_PER_ROUND = Math.round(300 * SCALE);
const CLOSED_LOOP_CLIENTS = 32;
const CLOSED_LOOP_CALLS = Math.round(6000 * SCALE);
const REFUSAL_ROUNDS = 3;
const REFUSAL_CALLS_PER_ROUND = Math.round(4000 * SCALE);
const FLOOD_MUTATIONS = 2000;
const FLOOD_CALLERS = 100;
const STARTS = 5;
const CLIENT_ALONE_CALLS = Math.round(1500 * SCALE);
const WARMUP_CALLS = 500;
/**
 * Requests each path serves (8 at a time) before anything is measured. V8 is still optimising the gateway's code
 * for its first 10,000 or so requests (see docs/performance.md, fifth round); BENCH_WARMUP=15000 measures every
 * path once that is over, the default measures them as a replica that has just started serving.
 */
const WARMUP_PER_PATH = Number(process.env.BENCH_WARMUP ?? WARMUP_CALLS);
/**
 * The latency gateway's FACEID_RATE_LIMIT: one call at a time takes under a millisecond, so at 1000/s the budget
 * itself would be what the figures measure. The throttle still does all its work (admission, fair queue, pacer).
 */
const LIFTED_RATE_LIMIT = 10_000;

const SELFIE_MUTATION = 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }';
const TOKEN_BODY = JSON.stringify({ query: SELFIE_MUTATION, operationName: 'GetSelfieToken', variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } } });
/** Refused by the gateway's validation (no image to compare with) before any upstream call. */
const REFUSAL_BODY = JSON.stringify({
  query: SELFIE_MUTATION,
  operationName: 'GetSelfieToken',
  variables: { input: { checkMode: 'LIVENESS_AND_COMPARE', extra: 'bench' } },
});

// ---------------------------------------------------------------------------------------------------------------
// Load

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: CLOSED_LOOP_CLIENTS });

function post(url: string, body: string, headers: Record<string, string> = {}, agent: http.Agent = keepAlive) {
  return postJson(url, body, headers, agent);
}

/** One call of a path; resolves whether it got what it should (a token, or the expected refusal). */
type Call = (client: number) => Promise<boolean>;

interface LoadFigures {
  latencies: number[];
  seconds: number;
  failures: number;
}

/** `total` calls, `concurrency` at a time (each in-flight slot is one client). */
async function load(total: number, concurrency: number, call: Call): Promise<LoadFigures> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (next < total) {
        next += 1;
        const begin = performance.now();
        if (!(await call(client))) failures += 1;
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, failures };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** One answer in a flood: `OK` for a token, the error's code, or `NETWORK_…`; its time from the flood's start. */
interface FloodAnswer {
  code: string;
  ms: number;
}

/** FLOOD_MUTATIONS requests sent at once, each on a connection of its own, with `headersOf(index)`; every answer. */
async function flood(url: string, body: string, headersOf: (index: number) => Record<string, string>): Promise<FloodAnswer[]> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const floodStarted = performance.now();
  return Promise.all(
    Array.from({ length: FLOOD_MUTATIONS }, async (_, index) => {
      try {
        const { status, text } = await post(url, body, headersOf(index), agent);
        const code = text.includes('"sdkToken"') ? 'OK' : (/"code":"(\w+)"/.exec(text)?.[1] ?? `HTTP_${status}`);
        return { code, ms: performance.now() - floodStarted };
      } catch (error) {
        return { code: `NETWORK_${(error as NodeJS.ErrnoException).code}`, ms: performance.now() - floodStarted };
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The run

function gatewayEnvironment(upstream: BenchProcess, rateLimit: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ...BENCH_KEY_PAIR_ENV,
    FACEID_ENDPOINT: upstream.url,
    FACEID_RATE_LIMIT: String(rateLimit),
    ...BENCH_JWT_ENV,
    LOG_LEVEL: 'info',
  };
}

interface Row {
  figure: string;
  gateway: string;
  reference: string;
  ratio: string;
  target: string;
  met: boolean | undefined;
}

const rows: Row[] = [];
function row(figure: string, gateway: string, reference: string, ratio: string, target: string, met?: boolean): void {
  rows.push({ figure, gateway, reference, ratio, target, met });
  console.log(`  ${figure}: ${gateway} | ${reference} | ${ratio} | ${target}${met === undefined ? '' : met ? ' ✔' : ' ✘'}`);
}

const started = performance.now();
console.log('building the gateway (npm run build) and the bench processes …');
await buildGateway();
await buildBenchHelpers(['bench/reference-endpoint.ts', 'bench/bare-yoga.ts', 'bench/bare-yoga-got.ts', 'bench/upstream.ts']);
const logDirectory = join(os.tmpdir(), `faceid-gateway-bench-${process.pid}`);
mkdirSync(logDirectory, { recursive: true });

const upstream = await startHelper('upstream', 'upstream', BENCH_KEY_PAIR_ENV);
const upstreamPort = new URL(upstream.url).port;
const reference = await startHelper('reference', 'reference-endpoint', { ...BENCH_KEY_PAIR_ENV, REFERENCE_UPSTREAM_PORT: upstreamPort });
const bareYoga = await startHelper('bare-yoga', 'bare-yoga', {});
const floor = await startHelper('floor', 'bare-yoga-got', { ...BENCH_KEY_PAIR_ENV, FLOOR_UPSTREAM_URL: upstream.url });
const services: BenchProcess[] = [upstream, reference, bareYoga, floor];

try {
  // -- 1. Start-up and idle memory: production settings, what `npm start` runs.
  const startups: number[] = [];
  const idleRss: number[] = [];
  for (let start = 0; start < STARTS; start += 1) {
    const gateway = await startGateway(gatewayEnvironment(upstream, 20), join(logDirectory, `startup-${start}.log`));
    startups.push(gateway.startupMs);
    await sleep(1000);
    idleRss.push(rssMb(gateway.child.pid!));
    await gateway.stop();
  }

  // -- 2. The latency gateway: throttle lifted, everything else as in production.
  const gatewayLog = join(logDirectory, 'gateway.log');
  const gateway = await startGateway(gatewayEnvironment(upstream, LIFTED_RATE_LIMIT), gatewayLog);
  services.push(gateway);
  const callers = await Promise.all(Array.from({ length: CLOSED_LOOP_CLIENTS }, (_, index) => benchToken(`bench-client-${index}`)));
  const bearer = (client: number) => ({ authorization: `Bearer ${callers[client % callers.length]}` });

  const throughGateway: Call = async (client) => {
    const { status, text } = await post(gateway.url, TOKEN_BODY, bearer(client));
    return status === 200 && text.includes('"sdkToken"');
  };
  const throughFloor: Call = async () => {
    const { status, text } = await post(`${floor.url}/graphql`, TOKEN_BODY);
    return status === 200 && text.includes('"sdkToken"');
  };
  const throughReference: Call = async () => {
    const { status, text } = await post(reference.url, JSON.stringify({ checkMode: 'liveness', extra: 'bench' }));
    return status === 200 && text.includes('"sdkToken"');
  };
  const directBody = JSON.stringify({ CheckMode: 'liveness', Extra: 'bench' });
  const direct: Call = async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const { authorization } = signTc3({ ...BENCH_KEY_PAIR, service: 'faceid', host: '127.0.0.1', contentType: 'application/json', payload: directBody, timestamp });
    const { status, text } = await post(upstream.url, directBody, {
      authorization,
      'x-tc-action': 'GetFaceIdTokenIntl',
      'x-tc-version': FACEID_API_VERSION,
      'x-tc-region': 'ap-singapore',
      'x-tc-timestamp': String(timestamp),
    });
    return status === 200 && text.includes('"SdkToken"');
  };
  // Both ask for graphql-response+json, whose statuses tell a refusal (400) from an answer.
  const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };
  const refusedByGateway: Call = async (client) => {
    const { status, text } = await post(gateway.url, REFUSAL_BODY, { ...bearer(client), ...GRAPHQL_RESPONSE });
    return status === 400 && text.includes('"BAD_USER_INPUT"');
  };
  const refusedByBareYoga: Call = async () => {
    const { status, text } = await post(`${bareYoga.url}/graphql`, REFUSAL_BODY, GRAPHQL_RESPONSE);
    return status === 400 && text.includes('"BAD_USER_INPUT"');
  };

  for (const call of [throughGateway, throughReference, throughFloor, direct, refusedByGateway, refusedByBareYoga]) {
    await load(WARMUP_PER_PATH, 8, call);
  }

  // One call at a time, the three paths interleaved in rounds so that drift on the machine hits them alike.
  const latency = { gateway: [] as number[], reference: [] as number[], floor: [] as number[], direct: [] as number[] };
  let latencyFailures = 0;
  for (let round = 0; round < LATENCY_ROUNDS; round += 1) {
    for (const [name, call] of [['gateway', throughGateway], ['reference', throughReference], ['floor', throughFloor], ['direct', direct]] as const) {
      const figures = await load(LATENCY_CALLS_PER_ROUND, 1, call);
      latency[name].push(...figures.latencies);
      latencyFailures += figures.failures;
    }
  }
  const p50 = { gateway: median(latency.gateway), reference: median(latency.reference), floor: median(latency.floor), direct: median(latency.direct) };
  console.log('\nresults (gateway | reference | ratio | target):');
  row(
    'p50, client → service → upstream, one call at a time (ms)',
    p50.gateway.toFixed(2),
    `${p50.reference.toFixed(2)} (node:http + official SDK)`,
    (p50.gateway / p50.reference).toFixed(2),
    'ratio < 1.0',
    p50.gateway / p50.reference < 1,
  );
  row(
    'of which the packages alone: bare graphql-yoga + got, one resolver, no features, p50 (ms)',
    p50.floor.toFixed(2),
    p50.reference.toFixed(2),
    (p50.floor / p50.reference).toFixed(2),
    '—',
  );
  row('p99, same calls (ms)', quantile(latency.gateway, 0.99).toFixed(2), quantile(latency.reference, 0.99).toFixed(2), (quantile(latency.gateway, 0.99) / quantile(latency.reference, 0.99)).toFixed(2), '—');
  row(
    'p50 added over a direct signed call (ms)',
    (p50.gateway - p50.direct).toFixed(2),
    `direct call ${p50.direct.toFixed(2)}; SDK endpoint adds ${(p50.reference - p50.direct).toFixed(2)}`,
    '—',
    '≤ 1 ms',
    p50.gateway - p50.direct <= 1,
  );

  // The FaceID client alone, in this process, one call at a time: what the throttle's bookkeeping and pacer cost a
  // call, against the same client unthrottled.
  const clientOf = (rateLimitPerSecond: number) =>
    createFaceIdClient({
      endpoint: upstream.url,
      region: 'ap-singapore',
      credentials: BENCH_KEY_PAIR,
      rateLimitPerSecond,
      maxQueueWaitMs: 60_000,
      attemptTimeoutMs: 5000,
      totalTimeoutMs: 15_000,
      retry: DEFAULT_RETRY_POLICY,
      logger: createLogger('silent'),
    });
  const throttledClient = clientOf(LIFTED_RATE_LIMIT);
  const unthrottledClient = clientOf(Number.POSITIVE_INFINITY);
  const mintWith =
    (client: ReturnType<typeof clientOf>): Call =>
    async () =>
      Boolean((await client.getSelfieToken({ checkMode: 'LIVENESS', extra: 'bench' })).sdkToken);
  const alone = { throttled: [] as number[], unthrottled: [] as number[] };
  for (const client of [throttledClient, unthrottledClient]) await load(WARMUP_CALLS, 1, mintWith(client));
  // Interleaved rounds, as above: the second client must not profit from the first one's warm-up.
  for (let round = 0; round < LATENCY_ROUNDS; round += 1) {
    alone.throttled.push(...(await load(CLIENT_ALONE_CALLS / LATENCY_ROUNDS, 1, mintWith(throttledClient))).latencies);
    alone.unthrottled.push(...(await load(CLIENT_ALONE_CALLS / LATENCY_ROUNDS, 1, mintWith(unthrottledClient))).latencies);
  }
  throttledClient.close();
  unthrottledClient.close();
  const paced = median(alone.throttled);
  const unpaced = median(alone.unthrottled);
  row(
    'of which the throttle: FaceID client alone, one call at a time, p50 (ms)',
    `${paced.toFixed(2)} throttled at ${LIFTED_RATE_LIMIT}/s`,
    `${unpaced.toFixed(2)} unthrottled`,
    (paced / unpaced).toFixed(2),
    '—',
  );

  // Closed loop: CPU the gateway process spends per minted token, and tokens per second.
  const referencePid = reference.child.pid!;
  const gatewayCpuBefore = cpuMs(gateway.child.pid!);
  const closedGateway = await load(CLOSED_LOOP_CALLS, CLOSED_LOOP_CLIENTS, throughGateway);
  const gatewayCpuPerToken = (cpuMs(gateway.child.pid!) - gatewayCpuBefore) / CLOSED_LOOP_CALLS;
  const referenceCpuBefore = cpuMs(referencePid);
  const closedReference = await load(CLOSED_LOOP_CALLS, CLOSED_LOOP_CLIENTS, throughReference);
  const referenceCpuPerToken = (cpuMs(referencePid) - referenceCpuBefore) / CLOSED_LOOP_CALLS;
  row(
    'service CPU per minted token, 32 clients (ms)',
    gatewayCpuPerToken.toFixed(2),
    referenceCpuPerToken.toFixed(2),
    (gatewayCpuPerToken / referenceCpuPerToken).toFixed(2),
    'gateway ≤ 1 ms',
    gatewayCpuPerToken <= 1,
  );
  row(
    'closed loop, 32 clients: minted tokens/s',
    (CLOSED_LOOP_CALLS / closedGateway.seconds).toFixed(0),
    (CLOSED_LOOP_CALLS / closedReference.seconds).toFixed(0),
    (closedReference.seconds / closedGateway.seconds).toFixed(2),
    '—',
  );

  // Refusal path: 32 keep-alive clients, BAD_USER_INPUT, against bare yoga; interleaved rounds.
  const refusal = { gateway: 0, bare: 0 };
  let refusalFailures = 0;
  for (let round = 0; round < REFUSAL_ROUNDS; round += 1) {
    const ours = await load(REFUSAL_CALLS_PER_ROUND, CLOSED_LOOP_CLIENTS, refusedByGateway);
    const bare = await load(REFUSAL_CALLS_PER_ROUND, CLOSED_LOOP_CLIENTS, refusedByBareYoga);
    refusal.gateway += ours.seconds;
    refusal.bare += bare.seconds;
    refusalFailures += ours.failures + bare.failures;
  }
  const refusalRate = { gateway: (REFUSAL_ROUNDS * REFUSAL_CALLS_PER_ROUND) / refusal.gateway, bare: (REFUSAL_ROUNDS * REFUSAL_CALLS_PER_ROUND) / refusal.bare };
  row(
    'refusal path (BAD_USER_INPUT, no upstream), 32 clients: req/s',
    refusalRate.gateway.toFixed(0),
    `${refusalRate.bare.toFixed(0)} (bare graphql-yoga)`,
    (refusalRate.gateway / refusalRate.bare).toFixed(2),
    'ratio ≥ 0.5',
    refusalRate.gateway / refusalRate.bare >= 0.5,
  );
  const logLines = readFileSync(gatewayLog, 'utf8').split('\n').filter((line) => line.includes('"msg":"request"')).length;
  const metricsText = await fetch(gateway.url.replace('/graphql', '/metrics')).then((response) => response.text());
  const countedRequests = [...metricsText.matchAll(/^faceid_gateway_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  await gateway.stop();

  // -- 3. The flood: 2,000 mutations at once, each on its own connection, from 100 callers, default limit 20/s,
  // against a gateway that has just started. The same flood goes to a bare graphql-yoga, also just started, that
  // refuses every mutation (BAD_USER_INPUT): what answering 2,000 new connections costs the packages alone on this
  // machine. Two floods each, in the order floor, gateway, gateway, floor, so that neither side gets the load
  // generator's warm-up or the machine's drift to itself; the figures pool both floods of a side.
  const floodCallers = await Promise.all(Array.from({ length: FLOOD_CALLERS }, (_, index) => benchToken(`flood-caller-${index}`)));
  const floodHeaders = (index: number) => ({ authorization: `Bearer ${floodCallers[index % FLOOD_CALLERS]}` });
  const gatewayFloods: { answers: FloodAnswer[]; rssBefore: number; rssAfter: number }[] = [];
  const floorFloods: FloodAnswer[][] = [];
  for (const side of ['floor', 'gateway', 'gateway', 'floor'] as const) {
    if (side === 'gateway') {
      const floodGateway = await startGateway(gatewayEnvironment(upstream, 20), join(logDirectory, `flood-${gatewayFloods.length}.log`));
      services.push(floodGateway);
      await post(floodGateway.url, TOKEN_BODY, floodHeaders(0));
      await sleep(1000);
      const rssBefore = rssMb(floodGateway.child.pid!);
      const answers = await flood(floodGateway.url, TOKEN_BODY, floodHeaders);
      gatewayFloods.push({ answers, rssBefore, rssAfter: rssMb(floodGateway.child.pid!) });
      await floodGateway.stop();
    } else {
      const floodFloor = await startHelper('flood-floor', 'bare-yoga', {});
      services.push(floodFloor);
      await post(`${floodFloor.url}/graphql`, REFUSAL_BODY);
      await sleep(1000);
      floorFloods.push(await flood(`${floodFloor.url}/graphql`, REFUSAL_BODY, floodHeaders));
      await floodFloor.stop();
    }
  }

  const timesOf = (answers: FloodAnswer[], code: string) => answers.filter((answer) => answer.code === code).map((answer) => answer.ms);
  const limited = gatewayFloods.flatMap(({ answers }) => timesOf(answers, 'RATE_LIMITED'));
  const floorRefused = floorFloods.flatMap((answers) => timesOf(answers, 'BAD_USER_INPUT'));
  const answeredPerFlood = gatewayFloods.map(({ answers }) => answers.filter((answer) => !answer.code.startsWith('NETWORK_')).length);
  const codes = new Map<string, number>();
  for (const { answers } of gatewayFloods) for (const { code } of answers) codes.set(code, (codes.get(code) ?? 0) + 1);
  row(
    `${FLOOD_MUTATIONS} concurrent mutations, two floods: answered`,
    `${answeredPerFlood.join(' + ')} (${[...codes].map(([code, count]) => `${code} ${count}`).join(', ')})`,
    '—',
    '—',
    'every one',
    answeredPerFlood.every((answered) => answered === FLOOD_MUTATIONS),
  );
  row('  time to answer RATE_LIMITED, p50 (ms)', median(limited).toFixed(0), '—', '—', '< 1000 ms', median(limited) < 1000);
  row(
    '  of which the packages alone: bare graphql-yoga, same floods, time to answer, p50 (ms)',
    median(limited).toFixed(0),
    `${median(floorRefused).toFixed(0)} (${floorRefused.length} of ${2 * FLOOD_MUTATIONS} refused)`,
    (median(limited) / median(floorRefused)).toFixed(2),
    '—',
  );
  row('  time to answer RATE_LIMITED, p99 (ms)', quantile(limited, 0.99).toFixed(0), '—', '—', '—');
  const rssBefore = Math.max(...gatewayFloods.map((run) => run.rssBefore));
  const rssAfter = Math.max(...gatewayFloods.map((run) => run.rssAfter));
  row('  RSS idle → after the burst, the larger of the two (MB)', `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)}`, '—', '—', 'after < 200 MB', rssAfter < 200);

  row('`node dist/server.js` to /health 200, median of 5 (ms)', median(startups).toFixed(0), '—', '—', '< 1000 ms', median(startups) < 1000);
  row('idle RSS after start-up, median of 5 (MB)', median(idleRss).toFixed(0), '—', '—', '< 120 MB', median(idleRss) < 120);

  const cpu = os.cpus();
  const header = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${WARMUP_PER_PATH === WARMUP_CALLS ? '' : `BENCH_WARMUP=${WARMUP_PER_PATH} `}npm run bench\` (${((performance.now() - started) / 1000).toFixed(0)} s):`,
    `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}.`,
    `Gateway: dist/server.js, NODE_ENV=production, JWT (HS256) on every request, request logs at info to a file (${logLines} lines for the`,
    `${countedRequests} requests counted in /metrics), fair-queuing throttle at ${LIFTED_RATE_LIMIT}/s (flood: 20/s, the default).`,
    `Failures: ${latencyFailures} in the latency runs, ${closedGateway.failures + closedReference.failures} in the closed loops, ${refusalFailures} in the refusal runs.`,
  ];
  const table = [
    '| figure | gateway | reference | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.gateway} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`),
  ];
  const text = [`# faceid-gateway benchmark`, '', ...header.map((line) => `${line}  `), '', ...table, ''].join('\n');
  writeFileSync(RESULTS_FILE, text);
  console.log(`\n${text}\nwritten to bench/results.md; gateway logs in ${logDirectory}`);
} finally {
  for (const service of services) await service.stop();
}
