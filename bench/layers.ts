/**
 * `npm run bench:layers`: what each layer under the gateway adds to one call. One client makes one call at a time,
 * client → service → upstream (the benchmark's FaceID emulator) and back, to each of these services in turn:
 *
 *  - node:http + http.request: a hand-written endpoint sending with `http.request` by hand (bench/bare-http.ts);
 *  - node:http + got: the same endpoint sending through got with the gateway's settings;
 *  - node:http + official SDK: the reference of `npm run bench` (bench/reference-endpoint.ts);
 *  - graphql-yoga (lean) + http.request, and + got: graphql-yoga with every default the gateway can do without
 *    switched off, one resolver (bench/bare-yoga-got.ts with FLOOR_YOGA=lean);
 *  - graphql-yoga (defaults) + got: the floor row of `npm run bench`;
 *  - the gateway: dist/server.js as `npm run bench` runs it (production, JWT on, logs at info, throttle lifted).
 *
 * Every service gets LAYERS_WARMUP calls first; then LAYERS_ROUNDS rounds of LAYERS_CALLS calls, the services
 * taking turns within each round, so a slow moment of the machine falls on all of them. Printed: the median over
 * the rounds of each round's p50, the range, the ratio to the SDK endpoint, and the service's CPU per call from
 * /proc. Nothing is written to a file: `npm run bench` is what the README quotes; this says what its floor is made of.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { buildGateway } from '../scripts/build.js';
import { buildBenchHelpers, startGateway, startHelper, type BenchProcess } from './bench-processes.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { cpuMs, postJson } from './load-helpers.js';

const WARMUP = Number(process.env.LAYERS_WARMUP ?? 1000);
const ROUNDS = Number(process.env.LAYERS_ROUNDS ?? 7);
const CALLS = Number(process.env.LAYERS_CALLS ?? 800);
for (const [name, value] of Object.entries({ LAYERS_WARMUP: WARMUP, LAYERS_ROUNDS: ROUNDS, LAYERS_CALLS: CALLS })) {
  if (!Number.isSafeInteger(value) || value < (name === 'LAYERS_WARMUP' ? 0 : 1)) throw new TypeError(`${name} must be a whole number, got ${value}`);
}

const GRAPHQL_BODY = JSON.stringify({
  query: 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }',
  operationName: 'GetSelfieToken',
  variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } },
});
const PLAIN_BODY = JSON.stringify({ checkMode: 'liveness', extra: 'bench' });

interface Layer {
  name: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  service: BenchProcess;
}

console.log('building the gateway (npm run build) and the bench processes …');
await buildGateway();
await buildBenchHelpers(['bench/reference-endpoint.ts', 'bench/bare-http.ts', 'bench/bare-yoga-got.ts', 'bench/upstream.ts']);
const upstream = await startHelper('upstream', 'upstream', BENCH_KEY_PAIR_ENV);
const upstreamUrl = upstream.url;
const logDirectory = join(os.tmpdir(), `faceid-gateway-layers-${process.pid}`);
mkdirSync(logDirectory, { recursive: true });
const bearer = { authorization: `Bearer ${await benchToken('layers')}` };

const layers: Layer[] = [];
/** Starts a bench helper, production settings like the gateway's, that answers the plain JSON or the GraphQL body. */
async function addHelper(name: string, file: string, env: Record<string, string>, graphql: boolean) {
  const service = await startHelper(name, file, { NODE_ENV: 'production', ...BENCH_KEY_PAIR_ENV, ...env });
  layers.push({ name, url: graphql ? `${service.url}/graphql` : service.url, body: graphql ? GRAPHQL_BODY : PLAIN_BODY, headers: {}, service });
}

try {
  await addHelper('node:http + http.request', 'bare-http', { BARE_UPSTREAM_URL: upstreamUrl, BARE_CLIENT: 'http' }, false);
  await addHelper('node:http + got', 'bare-http', { BARE_UPSTREAM_URL: upstreamUrl, BARE_CLIENT: 'got' }, false);
  await addHelper('node:http + official SDK (the reference)', 'reference-endpoint', { REFERENCE_UPSTREAM_PORT: new URL(upstreamUrl).port }, false);
  await addHelper('graphql-yoga (lean) + http.request', 'bare-yoga-got', { FLOOR_UPSTREAM_URL: upstreamUrl, FLOOR_YOGA: 'lean', FLOOR_CLIENT: 'http' }, true);
  await addHelper('graphql-yoga (lean) + got', 'bare-yoga-got', { FLOOR_UPSTREAM_URL: upstreamUrl, FLOOR_YOGA: 'lean', FLOOR_CLIENT: 'got' }, true);
  await addHelper('graphql-yoga (defaults) + got (the floor of npm run bench)', 'bare-yoga-got', { FLOOR_UPSTREAM_URL: upstreamUrl }, true);
  const gateway = await startGateway(
    { NODE_ENV: 'production', ...BENCH_KEY_PAIR_ENV, FACEID_ENDPOINT: upstreamUrl, FACEID_RATE_LIMIT: '10000', ...BENCH_JWT_ENV, LOG_LEVEL: 'info' },
    join(logDirectory, 'gateway.log'),
  );
  layers.push({ name: 'the gateway (JWT on, logs at info, throttle at 10000/s)', url: gateway.url, body: GRAPHQL_BODY, headers: bearer, service: gateway });

  // One socket, one call at a time: the latency of a call, not the throughput of the machine.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = async (layer: Layer) => {
    const { status, text } = await postJson(layer.url, layer.body, layer.headers, agent);
    if (status !== 200 || !text.includes('"sdkToken"')) throw new Error(`${layer.name} answered ${status}: ${text.slice(0, 300)}`);
  };
  console.log(`warming up: ${WARMUP} calls each …`);
  for (const layer of layers) for (let index = 0; index < WARMUP; index += 1) await call(layer);

  const p50s = new Map<Layer, number[]>(layers.map((layer) => [layer, []]));
  const cpu = new Map<Layer, number[]>(layers.map((layer) => [layer, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const layer of layers) {
      const latencies: number[] = [];
      const cpuBefore = cpuMs(layer.service.child.pid!);
      for (let index = 0; index < CALLS; index += 1) {
        const startedAt = performance.now();
        await call(layer);
        latencies.push(performance.now() - startedAt);
      }
      cpu.get(layer)!.push((cpuMs(layer.service.child.pid!) - cpuBefore) / CALLS);
      latencies.sort((a, b) => a - b);
      p50s.get(layer)!.push(latencies[Math.floor(CALLS / 2)]!);
    }
    console.log(`round ${round + 1} of ${ROUNDS} done`);
  }
  agent.destroy();

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const reference = median(p50s.get(layers[2]!)!);
  const load = os.loadavg().map((value) => value.toFixed(1)).join(' ');
  console.log(`\nOne call at a time, ${ROUNDS} rounds of ${CALLS} calls per service after ${WARMUP} to warm up; load average ${load}\n`);
  console.log('| service | p50 (ms), median of rounds | p50 range over rounds | / SDK endpoint | CPU per call (ms) |\n|---|---|---|---|---|');
  for (const layer of layers) {
    const values = p50s.get(layer)!;
    console.log(
      `| ${layer.name} | ${median(values).toFixed(3)} | ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} | ${(median(values) / reference).toFixed(2)} | ${median(cpu.get(layer)!).toFixed(3)} |`,
    );
  }
  const p50Of = (index: number) => median(p50s.get(layers[index]!)!);
  console.log('\nWhat each layer adds to the p50 (ms):');
  console.log(`  got over http.request, under node:http:                 ${(p50Of(1) - p50Of(0)).toFixed(3)}`);
  console.log(`  the official SDK over http.request, under node:http:    ${(p50Of(2) - p50Of(0)).toFixed(3)}`);
  console.log(`  graphql-yoga (lean) over node:http, with http.request:  ${(p50Of(3) - p50Of(0)).toFixed(3)}`);
  console.log(`  graphql-yoga (lean) over node:http, with got:           ${(p50Of(4) - p50Of(1)).toFixed(3)}`);
  console.log(`  the gateway's features over graphql-yoga (lean) + got:  ${(p50Of(6) - p50Of(4)).toFixed(3)}`);
} finally {
  for (const layer of layers) await layer.service.stop();
  await upstream.stop();
}
