/**
 * `npm run bench:per-change -- <commit> <commit> ...`: what each change bought, as the gateway CPU per request
 * measured from /proc, with every listed commit's gateway built (as `npm run build` builds it) and measured in
 * alternating rounds on the same machine, so drift hits them alike. Paths: a minted token (32 clients, JWT on,
 * throttle at 1000/s) and a refusal (BAD_USER_INPUT, same settings). Default commits: the changes of the lean
 * request path, in order.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';
import { cpuMs, postJson } from './load-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMMITS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['c6f38a0', '2a30b89', 'ab33c96', 'cc17b37', '9b79e7d', '3ded33c', '3857b77', 'b3e8b77'];
const ROUNDS = Number(process.env.PER_CHANGE_ROUNDS ?? 3);
const REQUESTS = Number(process.env.PER_CHANGE_REQUESTS ?? 2000);
const CLIENTS = 32;
const QUERY = 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }';
const BODIES = {
  token: JSON.stringify({ query: QUERY, variables: { input: { checkMode: 'LIVENESS', extra: 'bench' } } }),
  refusal: JSON.stringify({ query: QUERY, variables: { input: { checkMode: 'LIVENESS_AND_COMPARE', extra: 'bench' } } }),
};

const work = join(os.tmpdir(), `faceid-gateway-per-change-${process.pid}`);
mkdirSync(work, { recursive: true });

/** Builds the gateway of `commit` from its own src/ and schema/, resolving packages from this checkout. */
async function buildCommit(commit: string): Promise<string> {
  const directory = join(work, commit);
  mkdirSync(directory, { recursive: true });
  const archive = execFileSync('git', ['archive', commit, 'src', 'schema'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', directory], { input: archive });
  await build({
    absWorkingDir: directory,
    entryPoints: { server: 'src/server.ts' },
    outdir: join(directory, 'dist'),
    nodePaths: [join(ROOT, 'node_modules')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return join(directory, 'dist', 'server.js');
}

const upstreamBuild = join(work, 'upstream');
await build({ absWorkingDir: ROOT, entryPoints: ['bench/upstream.ts'], outdir: upstreamBuild, bundle: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'error' });
// The upstream's bundle imports packages: run it from inside this checkout so they resolve.
const upstreamFile = join(ROOT, 'dist', 'bench', 'per-change-upstream.js');
mkdirSync(join(ROOT, 'dist', 'bench'), { recursive: true });
execFileSync('cp', [join(upstreamBuild, 'upstream.js'), upstreamFile]);
const upstream = spawn(process.execPath, [upstreamFile], { env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
const upstreamUrl = await new Promise<string>((resolve) => upstream.stdout.on('data', (chunk: Buffer) => resolve(/(http:\/\/\S+)/.exec(chunk.toString())![1]!)));

const tokens = await Promise.all(Array.from({ length: CLIENTS }, (_, index) => benchToken(`client-${index}`)));
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
const post = (url: string, body: string, client: number) => postJson(url, body, { authorization: `Bearer ${tokens[client]}` }, agent);
async function load(url: string, body: string, total: number): Promise<void> {
  let sent = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
    while (sent < total) {
      sent += 1;
      await post(url, body, client);
    }
  }));
}

const entries = new Map<string, string>();
for (const commit of COMMITS) entries.set(commit, await buildCommit(commit));
const figures = new Map<string, { token: number[]; refusal: number[] }>(COMMITS.map((commit) => [commit, { token: [], refusal: [] }]));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const commit of COMMITS) {
    const port = await freePort();
    const gateway = spawn(process.execPath, [entries.get(commit)!], {
      env: { PATH: process.env.PATH ?? '', ...BENCH_KEY_PAIR_ENV, ...BENCH_JWT_ENV, NODE_ENV: 'production', FACEID_ENDPOINT: upstreamUrl, FACEID_RATE_LIMIT: '1000', PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    while (!(await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false))) await sleep(20);
    const url = `http://127.0.0.1:${port}/graphql`;
    for (const path of ['token', 'refusal'] as const) {
      await load(url, BODIES[path], 500);
      const before = cpuMs(gateway.pid!);
      await load(url, BODIES[path], REQUESTS);
      figures.get(commit)![path].push((cpuMs(gateway.pid!) - before) / REQUESTS);
    }
    gateway.kill('SIGTERM');
    await new Promise((resolve) => gateway.once('exit', resolve));
  }
}
upstream.kill('SIGTERM');
rmSync(work, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`Gateway CPU per request (ms, median of ${ROUNDS} alternating rounds of ${REQUESTS}; ${CLIENTS} clients, JWT on), load average ${os.loadavg()[0]!.toFixed(1)}\n`);
console.log('| commit | change | token | refusal |\n|---|---|---|---|');
for (const commit of COMMITS) {
  const subject = execFileSync('git', ['log', '-1', '--format=%s', commit], { cwd: ROOT }).toString().trim();
  const { token, refusal } = figures.get(commit)!;
  console.log(`| ${commit} | ${subject.slice(0, 90)}${subject.length > 90 ? '…' : ''} | ${median(token).toFixed(3)} | ${median(refusal).toFixed(3)} |`);
}
