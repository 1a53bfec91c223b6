/**
 * `npm run bench:instructions -- [gateway entry …]`: machine instructions per request, counted by valgrind's
 * callgrind, for one or more builds of the gateway (default `dist/server.js`, run `npm run build` first).
 *
 * Timings on a shared two-core machine move by 10–20 % from run to run; an instruction count does not depend on
 * what else the machine is doing. Each entry runs under `valgrind --tool=callgrind` twice, as `npm start` runs it
 * (production settings, JWT on, logs at `info`, throttle lifted to 10,000/s, against the benchmark's upstream),
 * and serves INSTRUCTIONS_FROM requests in one run and INSTRUCTIONS_TO in the other, from 16 keep-alive clients.
 * The difference divided by the difference in requests is what one more request costs: start-up and the first
 * requests cancel out. Also printed: how much of it is V8's optimizing compiler still at work (TurboFan, on its
 * background thread, which valgrind counts with the rest) and the garbage collector, and the native functions that
 * cost most. JavaScript that V8 compiled has no symbols, so it is counted in the total only.
 *
 * Needs valgrind (Debian package `valgrind`). A run is 20–50 times slower than the gateway itself: with the
 * defaults (1,500 and 3,000 minted tokens) about four minutes for each entry, its two runs side by side.
 * INSTRUCTIONS_PATH=refusal sends requests that validation refuses instead (no upstream call).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBenchHelpers, startHelper } from './bench-processes.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';
import { postJson } from './load-helpers.js';

const ENTRIES = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/server.js'];
const FROM = Number(process.env.INSTRUCTIONS_FROM ?? 1500);
const TO = Number(process.env.INSTRUCTIONS_TO ?? 3000);
const PATH = process.env.INSTRUCTIONS_PATH === 'refusal' ? 'refusal' : 'token';
const CLIENTS = 16;
/** Native functions listed per entry. */
const TOP_FUNCTIONS = 15;
const QUERY = 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }';
const BODY = JSON.stringify({
  query: QUERY,
  operationName: 'GetSelfieToken',
  variables: { input: { checkMode: PATH === 'token' ? 'LIVENESS' : 'LIVENESS_AND_COMPARE', extra: 'bench' } },
});
const EXPECTED = PATH === 'token' ? '"sdkToken"' : '"BAD_USER_INPUT"';

if (!(FROM > 0 && TO > FROM)) throw new TypeError('INSTRUCTIONS_FROM and INSTRUCTIONS_TO must be positive, with TO above FROM');
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error('valgrind is not installed: apt-get install valgrind');
}
for (const entry of ENTRIES) if (!existsSync(entry)) throw new Error(`${entry} does not exist (npm run build makes dist/server.js)`);

const work = join(os.tmpdir(), `faceid-gateway-instructions-${process.pid}`);
mkdirSync(work, { recursive: true });
await buildBenchHelpers(['bench/upstream.ts']);
const upstream = await startHelper('upstream', 'upstream', BENCH_KEY_PAIR_ENV);
const upstreamUrl = upstream.url;
const bearer = `Bearer ${await benchToken('instructions')}`;

/** `total` requests from CLIENTS keep-alive clients; throws on the first answer that is not the expected one. */
async function load(url: string, total: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let sent = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (sent < total) {
        sent += 1;
        const { text } = await postJson(url, BODY, { authorization: bearer }, agent);
        if (!text.includes(EXPECTED)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
      }
    }),
  );
  agent.destroy();
}

/** Runs `entry` under callgrind for `requests` requests; the callgrind output file. */
async function countRun(entry: string, requests: number, output: string): Promise<string> {
  const port = await freePort();
  const gateway = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${output}`, process.execPath, resolve(entry)], {
    env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV, ...BENCH_JWT_ENV, NODE_ENV: 'production', LOG_LEVEL: 'info', FACEID_ENDPOINT: upstreamUrl, FACEID_RATE_LIMIT: '10000', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  gateway.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => gateway.once('exit', () => done()));
  try {
    while (!(await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false))) {
      if (gateway.exitCode !== null) throw new Error(`${entry} exited under valgrind:\n${stderr.slice(-2000)}`);
      await sleep(250);
    }
    await load(`http://127.0.0.1:${port}/graphql`, requests);
  } finally {
    // SIGTERM lets the gateway shut down as it does in production, and callgrind write its counts on exit.
    gateway.kill('SIGTERM');
    await exited;
  }
  return output;
}

/** Instructions by function (self cost, summed over the threads) from a callgrind output file. */
function costsOf(output: string): Map<string, number> {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', '--inclusive=no', '--auto=no', output], { maxBuffer: 256 * 1024 * 1024 }).toString();
  const costs = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!match || match[2]!.includes('PROGRAM TOTALS')) continue;
    const name = match[2]!.replace(/^\?\?\?:/, '').replace(/ \[[^\]]*\]$/, '');
    costs.set(name, (costs.get(name) ?? 0) + Number(match[1]!.replaceAll(',', '')));
  }
  return costs;
}

/** Total instructions a callgrind output file counted. */
function totalOf(output: string): number {
  const summary = readFileSync(output, 'utf8').match(/^(?:summary|totals): (\d+)/m);
  if (!summary) throw new Error(`no totals in ${output}`);
  return Number(summary[1]);
}

const isOptimizingCompiler = (name: string) => name.startsWith('v8::internal::compiler::');
const isGarbageCollector = (name: string) =>
  /^(heap::base::|v8::internal::(Scavenger|Scavenge|MarkCompact|Marking|ConcurrentMarking|Sweeper|Evacuat|IterateAndScavenge|BodyDescriptorBase::IteratePointers<v8::internal::(Scavenge|IterateAndScavenge)))/.test(
    name,
  ) || /MarkingVisitor|ScavengeVisitor/.test(name);

const results: { entry: string; perRequest: number; compilerShare: number; collectorShare: number; top: [string, number][] }[] = [];
try {
  for (const [index, entry] of ENTRIES.entries()) {
    console.log(`${entry}: ${FROM} and ${TO} requests under callgrind …`);
    const [from, to] = await Promise.all([countRun(entry, FROM, join(work, `${index}.from`)), countRun(entry, TO, join(work, `${index}.to`))]);
    const extra = TO - FROM;
    const perRequest = (totalOf(to) - totalOf(from)) / extra;
    const [costsFrom, costsTo] = [costsOf(from), costsOf(to)];
    const marginal = [...new Set([...costsFrom.keys(), ...costsTo.keys()])].map((name) => [name, ((costsTo.get(name) ?? 0) - (costsFrom.get(name) ?? 0)) / extra] as [string, number]);
    const share = (test: (name: string) => boolean) => marginal.filter(([name]) => test(name)).reduce((sum, [, value]) => sum + value, 0) / perRequest;
    results.push({
      entry,
      perRequest,
      compilerShare: share(isOptimizingCompiler),
      collectorShare: share(isGarbageCollector),
      top: marginal.sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS),
    });
  }
} finally {
  await upstream.stop();
  rmSync(work, { recursive: true, force: true });
}

console.log(`\nInstructions per ${PATH === 'token' ? 'minted token' : 'refusal'}, requests ${FROM + 1} to ${TO} (callgrind; ${CLIENTS} clients, JWT on)\n`);
console.log('| entry | instructions per request | of which the optimizing compiler | the rest | of which the garbage collector |\n|---|---|---|---|---|');
for (const { entry, perRequest, compilerShare, collectorShare } of results) {
  const rest = perRequest * (1 - compilerShare);
  console.log(`| ${entry} | ${(perRequest / 1e6).toFixed(2)} M | ${(100 * compilerShare).toFixed(0)} % | ${(rest / 1e6).toFixed(2)} M | ${(100 * collectorShare).toFixed(0)} % |`);
}
for (const { entry, top } of results) {
  console.log(`\n${entry}, native functions by instructions per request:`);
  for (const [name, value] of top) console.log(`  ${(value / 1000).toFixed(1).padStart(8)} K  ${name.slice(0, 150)}`);
}
