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
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildGateway } from '../scripts/build.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';
import { cpuMs, postJson } from './load-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_BUILD = join(ROOT, 'dist', 'bench');
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
  child: ChildProcess;
}

/** Starts `args` (a built bench file, or the gateway) and resolves once it answers at `url`. */
async function startProcess(args: string[], env: Record<string, string>, output: 'pipe' | number): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', output, 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    // Any HTTP answer means it listens (the bare endpoints answer 400 to a GET without a body).
    if (await fetch(url).then(() => true, () => false)) return { child, url };
    await sleep(20);
  }
}

console.log('building the gateway (npm run build) and the bench processes …');
await buildGateway();
mkdirSync(BENCH_BUILD, { recursive: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['bench/reference-endpoint.ts', 'bench/bare-http.ts', 'bench/bare-yoga-got.ts', 'bench/upstream.ts'],
  outdir: BENCH_BUILD,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const built = (name: string) => join(BENCH_BUILD, `${name}.js`);

const upstreamChild = spawn(process.execPath, [built('upstream')], { env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
const upstreamUrl = await new Promise<string>((resolve) => upstreamChild.stdout!.on('data', (chunk: Buffer) => resolve(/(http:\/\/\S+)/.exec(chunk.toString())![1]!)));
const logDirectory = join(os.tmpdir(), `faceid-gateway-layers-${process.pid}`);
mkdirSync(logDirectory, { recursive: true });
const bearer = { authorization: `Bearer ${await benchToken('layers')}` };

const layers: Layer[] = [];
async function addLayer(name: string, args: string[], env: Record<string, string>, graphql: boolean, headers: Record<string, string> = {}, logFile?: string) {
  const log = logFile ? openSync(logFile, 'w') : undefined;
  const { child, url } = await startProcess(args, { ...BENCH_KEY_PAIR_ENV, ...env }, log ?? 'pipe');
  if (log !== undefined) closeSync(log);
  layers.push({ name, url: graphql ? `${url}/graphql` : url, body: graphql ? GRAPHQL_BODY : PLAIN_BODY, headers, child });
}

try {
  await addLayer('node:http + http.request', [built('bare-http')], { BARE_UPSTREAM_URL: upstreamUrl, BARE_CLIENT: 'http' }, false);
  await addLayer('node:http + got', [built('bare-http')], { BARE_UPSTREAM_URL: upstreamUrl, BARE_CLIENT: 'got' }, false);
  await addLayer('node:http + official SDK (the reference)', [built('reference-endpoint')], { REFERENCE_UPSTREAM_PORT: new URL(upstreamUrl).port }, false);
  await addLayer('graphql-yoga (lean) + http.request', [built('bare-yoga-got')], { FLOOR_UPSTREAM_URL: upstreamUrl, FLOOR_YOGA: 'lean', FLOOR_CLIENT: 'http' }, true);
  await addLayer('graphql-yoga (lean) + got', [built('bare-yoga-got')], { FLOOR_UPSTREAM_URL: upstreamUrl, FLOOR_YOGA: 'lean', FLOOR_CLIENT: 'got' }, true);
  await addLayer('graphql-yoga (defaults) + got (the floor of npm run bench)', [built('bare-yoga-got')], { FLOOR_UPSTREAM_URL: upstreamUrl }, true);
  await addLayer(
    'the gateway (JWT on, logs at info, throttle at 10000/s)',
    ['dist/server.js'],
    { FACEID_ENDPOINT: upstreamUrl, FACEID_RATE_LIMIT: '10000', ...BENCH_JWT_ENV, LOG_LEVEL: 'info' },
    true,
    bearer,
    join(logDirectory, 'gateway.log'),
  );

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
      const cpuBefore = cpuMs(layer.child.pid!);
      for (let index = 0; index < CALLS; index += 1) {
        const startedAt = performance.now();
        await call(layer);
        latencies.push(performance.now() - startedAt);
      }
      cpu.get(layer)!.push((cpuMs(layer.child.pid!) - cpuBefore) / CALLS);
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
  for (const layer of layers) layer.child.kill('SIGTERM');
  upstreamChild.kill('SIGTERM');
}
