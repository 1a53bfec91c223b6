/**
 * Benchmark: the gateway against a direct signed call (and the official SDK) to the same emulator, then the
 * throttle at its default limit. Prints figures; asserts nothing. Run with `npm run bench`.
 *
 * Everything runs in this one process on 127.0.0.1 (the emulator, the gateway behind a real HTTP server, and the
 * load), so the figures compare paths under the same conditions rather than predict production latency.
 */
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient } from '../src/faceid/client.js';
import { signTc3 } from '../src/faceid/tc3.js';
import { FACEID_API_VERSION } from '../src/faceid/wire.js';
import { createLogger } from '../src/logger.js';
import { BENCH_KEY_PAIR } from './credentials.js';
import { createOfficialSdkClient } from './official-sdk.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 300;
const SELFIE_MUTATION = 'mutation($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }';

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
  failures: number;
}

/** Runs `total` calls with `concurrency` in flight; latency of each, throughput overall. */
async function load(total: number, concurrency: number, call: () => Promise<boolean>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const begin = performance.now();
        if (!(await call())) failures += 1;
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), perSecond: total / seconds, failures };
}

/** One keep-alive agent and plain node:http for every path, so the load generator costs each path the same. */
const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function postJson(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: loadAgent, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function gatewayCall(url: string) {
  const body = JSON.stringify({ query: SELFIE_MUTATION, variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } } });
  return async () => {
    const json = (await postJson(url, {}, body)) as { data?: { getSelfieToken?: { sdkToken?: string } } };
    return Boolean(json.data?.getSelfieToken?.sdkToken);
  };
}

function directCall(emulator: FaceIdEmulator) {
  const body = JSON.stringify({ CheckMode: 'liveness', Extra: 'bench' });
  return async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const { authorization } = signTc3({
      ...BENCH_KEY_PAIR,
      service: 'faceid',
      host: '127.0.0.1',
      contentType: 'application/json',
      payload: body,
      timestamp,
    });
    const json = (await postJson(
      emulator.url,
      {
        authorization,
        'x-tc-action': 'GetFaceIdTokenIntl',
        'x-tc-version': FACEID_API_VERSION,
        'x-tc-region': 'ap-singapore',
        'x-tc-timestamp': String(timestamp),
      },
      body,
    )) as { Response: { SdkToken?: string } };
    return Boolean(json.Response.SdkToken);
  };
}

/** The official intl SDK (bench/official-sdk.ts). */
function sdkCall(emulator: FaceIdEmulator) {
  const client = createOfficialSdkClient({ ...BENCH_KEY_PAIR, port: emulator.port });
  return () =>
    new Promise<boolean>((resolve) =>
      client.GetFaceIdTokenIntl({ CheckMode: 'liveness', Extra: 'bench' }, (error, response) =>
        resolve(!error && Boolean(response.SdkToken)),
      ),
    );
}

async function startGateway(emulator: FaceIdEmulator, rateLimitPerSecond: number) {
  const logger = createLogger('silent');
  const faceid = createFaceIdClient({
    endpoint: emulator.url,
    region: 'ap-singapore',
    credentials: BENCH_KEY_PAIR,
    rateLimitPerSecond,
    maxQueueWaitMs: 60_000,
    attemptTimeoutMs: 5000,
    totalTimeoutMs: 120_000,
    retry: DEFAULT_RETRY_POLICY,
    logger,
  });
  const app = createApp({ faceid, logger, facts: { upstream: 'EMULATOR', region: 'ap-singapore', rateLimitPerSecond } });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      faceid.close();
    },
  };
}

function cell(value: string, width = 8): string {
  return value.padStart(width);
}

async function latencyAndThroughput(): Promise<void> {
  const emulator = await startFaceIdEmulator({ keyPairs: [BENCH_KEY_PAIR], rateLimitPerSecond: Number.MAX_SAFE_INTEGER });
  const gateway = await startGateway(emulator, Number.POSITIVE_INFINITY);
  const paths: Array<[string, () => Promise<boolean>]> = [
    ['gateway (GraphQL over HTTP)', gatewayCall(gateway.url)],
    ['direct signed call (node:http + TC3)', directCall(emulator)],
    ['official SDK (intl-en 3.0.1335)', sdkCall(emulator)],
  ];
  const sequential = Math.ceil(REQUESTS / 3);
  console.log(
    `\n## 1. Throttle lifted: GetFaceIdTokenIntl, ${sequential} calls one at a time, then ${REQUESTS} calls ${CONCURRENCY} in flight\n`,
  );
  console.log(`| ${'path'.padEnd(36)} | p50 ms, 1 | p99 ms, 1 | p50 ms, ${CONCURRENCY} | p99 ms, ${CONCURRENCY} | req/s, ${CONCURRENCY} | failed |`);
  console.log(`|${'-'.repeat(38)}|-----------|-----------|------------|------------|-----------|--------|`);
  for (const [name, call] of paths) {
    await load(WARMUP, CONCURRENCY, call);
    const alone = await load(sequential, 1, call);
    const loaded = await load(REQUESTS, CONCURRENCY, call);
    const cells = [
      cell(alone.p50.toFixed(2), 9),
      cell(alone.p99.toFixed(2), 9),
      cell(loaded.p50.toFixed(2), 10),
      cell(loaded.p99.toFixed(2), 10),
      cell(loaded.perSecond.toFixed(0), 9),
      cell(String(alone.failures + loaded.failures), 6),
    ];
    console.log(`| ${name.padEnd(36)} | ${cells.join(' | ')} |`);
  }
  await gateway.close();
  await emulator.close();
}

async function throttleAtDefaultLimit(): Promise<void> {
  const limit = 20;
  const perAction = 200;
  const emulator = await startFaceIdEmulator({ keyPairs: [BENCH_KEY_PAIR], rateLimitPerSecond: limit });
  const gateway = await startGateway(emulator, limit);
  const ekycMutation = 'mutation { applyEkycToken(input: {}) { sdkToken } }';
  const send = (query: string) => postJson(gateway.url, {}, JSON.stringify({ query }));
  await Promise.all([
    ...Array.from({ length: perAction }, () => send('mutation { getSelfieToken(input: {}) { sdkToken } }')),
    ...Array.from({ length: perAction }, () => send(ekycMutation)),
  ]);
  console.log(`\n## 2. Throttle at the default limit (${limit}/s per action): ${perAction} calls per action, all at once\n`);
  console.log('| action                    | max in any sliding 1 s | sustained rate | utilisation | refused upstream |');
  console.log('|---------------------------|------------------------|----------------|-------------|------------------|');
  for (const action of ['GetFaceIdTokenIntl', 'ApplySdkVerificationToken']) {
    const requests = emulator.requests.filter((request) => request.action === action);
    const arrivals = requests.map((request) => request.receivedAtMs).sort((a, b) => a - b);
    let worst = 0;
    for (let start = 0, end = 0; start < arrivals.length; start += 1) {
      while (end < arrivals.length && arrivals[end]! < arrivals[start]! + 1000) end += 1;
      worst = Math.max(worst, end - start);
    }
    const rate = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
    const refused = requests.filter((request) => request.responseCode !== 'OK').length;
    console.log(
      `| ${action.padEnd(25)} | ${String(worst).padStart(22)} | ${`${rate.toFixed(2)}/s`.padStart(14)} | ${`${((rate / limit) * 100).toFixed(1)}%`.padStart(11)} | ${String(refused).padStart(16)} |`,
    );
  }
  await gateway.close();
  await emulator.close();
}

console.log(`# faceid-gateway benchmark — Node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
await latencyAndThroughput();
await throttleAtDefaultLimit();
