/**
 * The processes a benchmark starts and stops: the bench helpers (upstream, references, floors), built by esbuild into
 * dist/bench, each printing `listening on <url>` once it listens, and the gateway, run from dist/server.js exactly as
 * `npm start` runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the bench helpers are built. */
export const BENCH_BUILD = join(ROOT, 'dist', 'bench');

/** A process the benchmark started. */
export interface BenchProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
  };
}

/** Builds the bench helpers `entryPoints` (paths under bench/) into BENCH_BUILD, one `<name>.js` each. */
export async function buildBenchHelpers(entryPoints: string[]): Promise<void> {
  mkdirSync(BENCH_BUILD, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: BENCH_BUILD,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** Starts the built helper `<file>.js` with `env` (and PATH); resolves once it prints `listening on <url>`. */
export async function startHelper(name: string, file: string, env: Record<string, string>): Promise<BenchProcess> {
  const child = spawn(process.execPath, [join(BENCH_BUILD, `${file}.js`)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
  return { name, url, child, stop: stopper(child) };
}

/**
 * Starts dist/server.js with `env`, its log lines going to `logFile`; resolves once /health answers 200, with the
 * GraphQL URL and how long that took.
 */
export async function startGateway(env: Record<string, string>, logFile: string): Promise<BenchProcess & { startupMs: number; port: number }> {
  const port = await freePort();
  const log = openSync(logFile, 'w');
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}; see ${logFile}`);
    const ok = await fetch(`${base}/health`).then((response) => response.ok, () => false);
    if (ok) break;
    await sleep(5);
  }
  return { name: 'gateway', url: `${base}/graphql`, child, port, startupMs: performance.now() - startedAt, stop: stopper(child) };
}
