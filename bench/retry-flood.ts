/**
 * `npm run bench:retry-flood`: how much of Tencent's 20/s a gateway still spends while a flood of clients that do
 * not wait out `retryAfter` keeps its event loop busy refusing them. Starts an upstream that reports every
 * arrival (bench/counting-upstream.ts) and `dist/server.js` (built by `npm run build`) with production settings,
 * JWT on and the default 20/s; with RETRY_FLOOD_REDIS_URL, also the shared budget in that Redis (use a database of
 * its own: the run leaves its keys to expire). Then RETRY_FLOOD_CLIENTS (1,200) keep-alive clients, as
 * RETRY_FLOOD_CALLERS (100) JWT subjects, each send the token mutation again the moment the last answer arrives,
 * for RETRY_FLOOD_SECONDS (10). Prints the arrivals at the upstream per second and per 100 ms, the most in any
 * sliding second, and the answers. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { maxPerWindow } from '../test/helpers/sliding-window.js';
import { BENCH_BUILD, buildBenchHelpers } from './bench-processes.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';
import { cpuMs, postJson } from './load-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLIENTS = Number(process.env.RETRY_FLOOD_CLIENTS ?? 1200);
const CALLERS = Number(process.env.RETRY_FLOOD_CALLERS ?? 100);
const SECONDS = Number(process.env.RETRY_FLOOD_SECONDS ?? 10);
const REDIS_URL = process.env.RETRY_FLOOD_REDIS_URL;
const BODY = JSON.stringify({
  query: 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }',
  variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } },
});

await buildBenchHelpers(['bench/counting-upstream.ts']);
const arrivals: number[] = [];
const upstream = spawn(process.execPath, [join(BENCH_BUILD, 'counting-upstream.js')], {
  env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const upstreamUrl = await new Promise<string>((resolve) => {
  let out = '';
  upstream.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /listening on (\S+)/.exec(out);
    if (match) resolve(match[1]!);
  });
});
let reports = '';
upstream.stderr!.on('data', (chunk: Buffer) => {
  reports += chunk.toString();
  for (let end = reports.indexOf('\n'); end >= 0; end = reports.indexOf('\n')) {
    const line = reports.slice(0, end);
    reports = reports.slice(end + 1);
    if (line.startsWith('arrivals ')) arrivals.push(...(JSON.parse(line.slice('arrivals '.length)) as number[]));
  }
});

const port = await freePort();
const gateway = spawn(process.execPath, ['dist/server.js'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH ?? '',
    ...BENCH_KEY_PAIR_ENV,
    ...BENCH_JWT_ENV,
    NODE_ENV: 'production',
    FACEID_ENDPOINT: upstreamUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...(REDIS_URL ? { FACEID_SHARED_BUDGET_REDIS_URL: REDIS_URL } : {}),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
process.once('exit', () => {
  gateway.kill('SIGTERM');
  upstream.kill('SIGTERM');
});
const url = `http://127.0.0.1:${port}/graphql`;
while (!(await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false))) await sleep(20);
const tokens = await Promise.all(Array.from({ length: CALLERS }, (_, index) => benchToken(`retry-flood-${index}`)));
await postJson(url, BODY, { authorization: `Bearer ${tokens[0]}` });
await sleep(1500);

arrivals.length = 0;
const answers = { minted: 0, rateLimited: 0, other: 0, failed: 0 };
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const cpuBefore = cpuMs(gateway.pid!);
const startedAt = Date.now();
const endsAt = startedAt + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, index) => {
    while (Date.now() < endsAt) {
      try {
        const { text } = await postJson(url, BODY, { authorization: `Bearer ${tokens[index % CALLERS]}` }, agent);
        if (text.includes('"sdkToken":"')) answers.minted += 1;
        else if (text.includes('"RATE_LIMITED"')) answers.rateLimited += 1;
        else answers.other += 1;
      } catch {
        answers.failed += 1;
        await sleep(10);
      }
    }
  }),
);
const cpuSeconds = (cpuMs(gateway.pid!) - cpuBefore) / 1000;
agent.destroy();
await sleep(500);

const during = arrivals.filter((at) => at >= startedAt && at < endsAt);
const count = (bucketMs: number) => {
  const buckets = Array.from({ length: Math.ceil((SECONDS * 1000) / bucketMs) }, () => 0);
  for (const at of during) buckets[Math.floor((at - startedAt) / bucketMs)]! += 1;
  return buckets;
};
console.log(
  `node ${process.version}; ${CLIENTS} clients as ${CALLERS} callers retrying at once for ${SECONDS} s; budget ${REDIS_URL ? `shared (${REDIS_URL})` : 'this replica'}; limit 20/s`,
);
console.log(
  `arrivals at the upstream: ${during.length} during the flood, ${(during.length / SECONDS).toFixed(1)} a second (${arrivals.length - during.length} more after it); most in any sliding 1,000 ms: ${maxPerWindow(arrivals, 1000)}`,
);
console.log(`per second: ${count(1000).join(' ')}`);
console.log(`per 100 ms: ${count(100).join(' ')}`);
console.log(
  `answers: ${answers.minted} tokens, ${answers.rateLimited} RATE_LIMITED, ${answers.other} other, ${answers.failed} network failures; gateway CPU ${cpuSeconds.toFixed(1)} s`,
);
process.exit(0);
