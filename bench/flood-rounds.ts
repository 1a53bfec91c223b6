/**
 * `npm run bench:flood-rounds`: the benchmark's flood, several times in a row against one gateway that has just
 * started, to tell what a first flood costs because the process is new from what every flood costs. Starts the
 * benchmark's upstream and `dist/server.js` (built by `npm run build`) with production settings, JWT on and the
 * default 20/s, sends FLOOD_ROUNDS (3) floods 1.5 s apart, each 2,000 mutations on new connections from 100 JWT
 * callers, and prints for each the gateway's CPU per request (from /proc) and the p50 time to a RATE_LIMITED
 * answer. NODE_ARGS passes flags to the gateway's node (V8 flags, `--cpu-prof`). Asserts nothing.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildBenchHelpers, startHelper } from './bench-processes.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';
import { cpuMs, postJson } from './load-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.FLOOD_ROUNDS ?? 3);
const NODE_ARGS = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean);
const FLOOD_MUTATIONS = 2000;
const FLOOD_CALLERS = 100;
const PAUSE_BETWEEN_FLOODS_MS = 1500;
const BODY = JSON.stringify({
  query: 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }',
  operationName: 'GetSelfieToken',
  variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } },
});

await buildBenchHelpers(['bench/upstream.ts']);
const upstream = await startHelper('upstream', 'upstream', BENCH_KEY_PAIR_ENV);
const upstreamUrl = upstream.url;

const port = await freePort();
const gateway = spawn(process.execPath, [...NODE_ARGS, 'dist/server.js'], {
  cwd: ROOT,
  env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV, ...BENCH_JWT_ENV, NODE_ENV: 'production', FACEID_ENDPOINT: upstreamUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stopAll = () => {
  gateway.kill('SIGTERM');
  upstream.child.kill('SIGTERM');
};
process.once('exit', stopAll);

/** One flood mutation as `token`'s caller; resolves with the answer's body. */
async function post(agent: http.Agent | undefined, token: string): Promise<string> {
  return (await postJson(`http://127.0.0.1:${port}/graphql`, BODY, { authorization: `Bearer ${token}` }, agent)).text;
}

const tokens = await Promise.all(Array.from({ length: FLOOD_CALLERS }, (_, index) => benchToken(`flood-caller-${index}`)));
while (!(await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false))) await sleep(20);
await post(undefined, tokens[0]!);

console.log(`node ${process.version}, gateway flags: ${NODE_ARGS.join(' ') || 'none'}`);
for (let round = 1; round <= ROUNDS; round += 1) {
  await sleep(PAUSE_BETWEEN_FLOODS_MS);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const cpuBefore = cpuMs(gateway.pid!);
  const started = performance.now();
  const refusedAfterMs: number[] = [];
  let failed = 0;
  await Promise.all(
    Array.from({ length: FLOOD_MUTATIONS }, async (_, index) => {
      try {
        const text = await post(agent, tokens[index % FLOOD_CALLERS]!);
        if (text.includes('"RATE_LIMITED"')) refusedAfterMs.push(performance.now() - started);
      } catch {
        failed += 1;
      }
    }),
  );
  const cpuPerRequest = (cpuMs(gateway.pid!) - cpuBefore) / FLOOD_MUTATIONS;
  refusedAfterMs.sort((a, b) => a - b);
  const p50 = refusedAfterMs[Math.floor(refusedAfterMs.length / 2)] ?? Number.NaN;
  console.log(
    `flood ${round}: gateway CPU ${cpuPerRequest.toFixed(3)} ms per request; RATE_LIMITED ${refusedAfterMs.length}, p50 ${p50.toFixed(0)} ms; network failures ${failed}`,
  );
}
stopAll();
