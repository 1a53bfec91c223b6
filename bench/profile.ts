/**
 * `npm run bench:profile`: a CPU profile of the gateway under load, summed by package. Starts the benchmark's
 * upstream and the gateway with `--cpu-prof`, built as `npm run build` builds it except that packages stay in
 * node_modules (so the profile names each package; the gateway's own code is `dist/profile/server.js`), mints PROFILE_TOKENS tokens with PROFILE_CLIENTS (32) clients and
 * sends as many refused requests (PROFILE_PATH=token or refusal for one kind only), then prints self time by package and the hottest functions.
 * With PROFILE_ALLOCATIONS=1 it also samples every allocation (bench/allocation-sampler.ts) and prints the bytes
 * allocated per request by package and by function: what garbage collection has to clear. The profile is kept for
 * Chrome DevTools (Performance → Load profile).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BENCH_BUILD, buildBenchHelpers, startHelper } from './bench-processes.js';
import { BENCH_JWT_ENV, BENCH_KEY_PAIR_ENV, benchToken } from './credentials.js';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKENS = Number(process.env.PROFILE_TOKENS ?? 6000);
const CLIENTS = Number(process.env.PROFILE_CLIENTS ?? 32);
/**
 * `token`, `refusal` or `both` (the default): which requests the load sends. `flood`: the benchmark's flood instead
 * (FLOOD_MUTATIONS mutations at once, each on a new connection, from FLOOD_CALLERS JWT callers, at the default 20/s).
 */
const PATHS = process.env.PROFILE_PATH ?? 'both';
/** Also profile allocations (slower: the sampler walks the stack of every sampled allocation). */
const ALLOCATIONS = process.env.PROFILE_ALLOCATIONS === '1';
const FLOOD_MUTATIONS = 2000;
const FLOOD_CALLERS = 100;
const QUERY = 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }';
const body = (checkMode: string) => JSON.stringify({ query: QUERY, operationName: 'GetSelfieToken', variables: { input: { checkMode, extra: 'bench' } } });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), the gateway's own directory, or the V8/Node category. */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.endsWith('dist/profile/server.js') ? 'faceid-gateway (own code)' : url;
}

await buildBenchHelpers(['bench/upstream.ts', 'bench/allocation-sampler.ts']);
// The gateway as bench helpers are built (packages left in node_modules), so the profile names each package.
await build({ absWorkingDir: ROOT, entryPoints: ['src/server.ts'], outdir: join(ROOT, 'dist', 'profile'), bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
const upstream = await startHelper('upstream', 'upstream', BENCH_KEY_PAIR_ENV);
const upstreamUrl = upstream.url;

const profileDirectory = join(os.tmpdir(), `faceid-gateway-profile-${process.pid}`);
mkdirSync(profileDirectory, { recursive: true });
const port = await freePort();
const allocationProfileFile = join(profileDirectory, 'allocations.heapprofile');
const sampler = ALLOCATIONS ? ['--import', pathToFileURL(join(BENCH_BUILD, 'allocation-sampler.js')).href] : [];
const gateway = spawn(process.execPath, [...sampler, '--cpu-prof', '--cpu-prof-dir', profileDirectory, 'dist/profile/server.js'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH ?? '',
    ...(ALLOCATIONS ? { ALLOCATION_PROFILE_FILE: allocationProfileFile } : {}),
    ...BENCH_KEY_PAIR_ENV,
    NODE_ENV: 'production',
    ...(PATHS === 'flood' ? BENCH_JWT_ENV : { ALLOW_UNAUTHENTICATED: 'true' }),
    FACEID_ENDPOINT: upstreamUrl,
    FACEID_RATE_LIMIT: PATHS === 'flood' ? '20' : '1000',
    PORT: String(port),
    HOST: '127.0.0.1',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
while (!(await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false))) await sleep(20);

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
const post = (payload: string) =>
  new Promise<void>((resolve, reject) => {
    const request = http.request(`http://127.0.0.1:${port}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end(payload);
  });
if (PATHS === 'flood') {
  const tokens = await Promise.all(Array.from({ length: FLOOD_CALLERS }, (_, index) => benchToken(`flood-caller-${index}`)));
  const fresh = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  await Promise.all(
    Array.from({ length: FLOOD_MUTATIONS }, (_, index) =>
      new Promise<void>((resolve) => {
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[index % FLOOD_CALLERS]}` };
        const request = http.request(`http://127.0.0.1:${port}/graphql`, { method: 'POST', agent: fresh, headers }, (response) => {
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', () => resolve());
        request.end(body('LIVENESS'));
      }),
    ),
  );
}
const payloads = PATHS === 'flood' ? [] : [...(PATHS === 'refusal' ? [] : [body('LIVENESS')]), ...(PATHS === 'token' ? [] : [body('LIVENESS_AND_COMPARE')])];
for (const payload of payloads) {
  let sent = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (sent < TOKENS) {
      sent += 1;
      await post(payload);
    }
  }));
}
gateway.kill('SIGTERM');
await new Promise((resolve) => gateway.once('exit', resolve));
await upstream.stop();

const file = join(profileDirectory, readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'))!);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
/**
 * The package a sample's time is charged to: its own frame's, or for time inside Node or V8 (a socket write,
 * a hash, an event emit) the nearest package up the stack that asked for it.
 */
function chargedPackage(id: number): string {
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const { url, functionName } = byId.get(current)!.callFrame;
    const name = packageOf(url, functionName);
    if (!name.startsWith('node:') && !name.startsWith('(')) return name;
  }
  return packageOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
}
const selfByPackage = new Map<string, number>();
const chargedByPackage = new Map<string, number>();
const selfByFunction = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = byId.get(id)!;
  const micros = profile.timeDeltas[index] ?? 0;
  if (node.callFrame.functionName === '(idle)') return;
  total += micros;
  const name = packageOf(node.callFrame.url, node.callFrame.functionName);
  selfByPackage.set(name, (selfByPackage.get(name) ?? 0) + micros);
  const charged = chargedPackage(id);
  chargedByPackage.set(charged, (chargedByPackage.get(charged) ?? 0) + micros);
  const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}`, '')}:${node.callFrame.lineNumber + 1}`;
  selfByFunction.set(where, (selfByFunction.get(where) ?? 0) + micros);
});
const top = (map: Map<string, number>, count: number) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, micros]) => `| ${name} | ${(micros / 1000).toFixed(0)} | ${((micros / total) * 100).toFixed(1)}% |`);
console.log(
  PATHS === 'flood'
    ? `CPU busy ${(total / 1000).toFixed(0)} ms for a flood of ${FLOOD_MUTATIONS} mutations on new connections from ${FLOOD_CALLERS} callers`
    : `CPU busy ${(total / 1000).toFixed(0)} ms for ${TOKENS} requests of each of: ${PATHS === 'both' ? 'token, refusal' : PATHS}; ${CLIENTS} clients`,
);
console.log(`profile: ${file}\n`);
console.log(['| package (with the Node and V8 work it asked for) | ms | share |', '|---|---|---|', ...top(chargedByPackage, 20)].join('\n'));
console.log(`\n${['| package, own frames only | self ms | share |', '|---|---|---|', ...top(selfByPackage, 12)].join('\n')}`);
console.log(`\n${['| function | self ms | share |', '|---|---|---|', ...top(selfByFunction, 20)].join('\n')}`);

if (ALLOCATIONS) {
  interface AllocationNode {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: AllocationNode[];
  }
  const requests = PATHS === 'flood' ? FLOOD_MUTATIONS : TOKENS * payloads.length;
  const root = (JSON.parse(readFileSync(allocationProfileFile, 'utf8')) as { head: AllocationNode }).head;
  const bytesByPackage = new Map<string, number>();
  const bytesByFunction = new Map<string, number>();
  let allocated = 0;
  const visit = (node: AllocationNode) => {
    const { url, functionName, lineNumber } = node.callFrame;
    allocated += node.selfSize;
    const name = packageOf(url, functionName);
    bytesByPackage.set(name, (bytesByPackage.get(name) ?? 0) + node.selfSize);
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}`, '')}:${lineNumber + 1}`;
    bytesByFunction.set(where, (bytesByFunction.get(where) ?? 0) + node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(root);
  const perRequest = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, bytes]) => `| ${name} | ${(bytes / requests / 1024).toFixed(1)} | ${((bytes / allocated) * 100).toFixed(1)}% |`);
  console.log(`\nallocated ${(allocated / 1024 / 1024).toFixed(0)} MB, ${(allocated / requests / 1024).toFixed(1)} KB per request (start-up included); profile: ${allocationProfileFile}\n`);
  console.log(['| package (own frames) | KB per request | share |', '|---|---|---|', ...perRequest(bytesByPackage, 16)].join('\n'));
  console.log(`\n${['| function | KB per request | share |', '|---|---|---|', ...perRequest(bytesByFunction, 20)].join('\n')}`);
}
