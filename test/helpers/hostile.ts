/**
 * A real gateway process in a production configuration (JWT and API-key authentication, Tencent mode pointed at
 * an emulator on 127.0.0.1), measured from the outside: resident memory from /proc and /health latency while an
 * attack runs. Used by the hostile-input suites.
 */
import { readFileSync } from 'node:fs';
import { startFaceIdEmulator, type FaceIdEmulator } from '../../src/emulator/index.js';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET } from './credentials.js';
import { spawnGateway, stopIfRunning, type GatewayProcess } from './gateway-process.js';
import { TEST_KEY_PAIR } from './harness.js';

export interface ProductionGateway {
  url: string;
  port: number;
  process: GatewayProcess;
  emulator: FaceIdEmulator;
  /** Resident memory of the gateway process, in MiB. */
  rssMiB(): number;
  /** Whether the process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * The V8 heap the attacked gateway runs with, as a memory-limited container would give it: memory kept per
 * request would end the process within a few hundred large requests instead of hiding in a large default heap.
 */
export const ATTACKED_HEAP_MIB = 512;

/** Starts the gateway as production would run it; `env` adds or overrides variables. */
export async function startProductionGateway(env: Record<string, string> = {}): Promise<ProductionGateway> {
  const emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }], rateLimitPerSecond: 1000 });
  const process = spawnGateway({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NODE_OPTIONS: `--max-old-space-size=${ATTACKED_HEAP_MIB}`,
    TENCENTCLOUD_SECRET_ID: TEST_KEY_PAIR.secretId,
    TENCENTCLOUD_SECRET_KEY: TEST_KEY_PAIR.secretKey,
    FACEID_ENDPOINT: emulator.url,
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_JWT_ISSUER: JWT_ISSUER,
    AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
    ...env,
  });
  const port = await process.listening;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    process,
    emulator,
    rssMiB: () => rssMiBOf(process.child.pid!),
    alive: () => process.child.exitCode === null && process.child.signalCode === null,
    async stop() {
      await stopIfRunning(process);
      await emulator.close();
    },
  };
}

/** VmRSS of a process, in MiB, as the kernel reports it. */
export function rssMiBOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Milliseconds the main thread of process `pid` has spent runnable but waiting for a CPU, as Linux counts it
 * (the second field of /proc/<pid>/task/<pid>/schedstat); 0 where the kernel does not say.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0;
  } catch {
    return 0;
  }
}

/** A time taken with a stopwatch: on the wall, and the gateway's own (see startStopwatch). */
export interface StopwatchTime {
  wallMs: number;
  ownMs: number;
}

/**
 * Starts timing something the gateway process `gatewayPid` does for this one. The time it returns when stopped is
 * the wall time, and the wall time less what the gateway's main thread spent waiting for a CPU meanwhile: the
 * share of the machine other work took (a parallel build, another test suite), which is not the gateway's latency.
 * On an idle machine the two are the same, so a bound on the own time is as strict there as one on the wall time,
 * and it still fails when the gateway makes a request wait behind its own work (or behind anything but the CPU).
 *
 * This process's own waits for a CPU delay the answer too, but only where it reads the answer; most of them come
 * while it does other work (sending the attack), so subtracting them all would leave out more than other work
 * took. The larger of the two waits is left out: the gateway's, unless this process waited longer.
 */
export function startStopwatch(gatewayPid: number): () => StopwatchTime {
  const started = performance.now();
  const gatewayWaitedBefore = runQueueWaitMs(gatewayPid);
  const clientWaitedBefore = runQueueWaitMs(process.pid);
  return () => {
    const wallMs = performance.now() - started;
    const waitedMs = Math.max(runQueueWaitMs(gatewayPid) - gatewayWaitedBefore, runQueueWaitMs(process.pid) - clientWaitedBefore);
    return { wallMs, ownMs: Math.max(0, wallMs - waitedMs) };
  };
}

/** How a service behaved while an attack ran. */
export interface AttackFigures<T> {
  result: T;
  /** Wall time of the attack, in ms. */
  attackMs: number;
  /** The attack's time less the CPU waits other work caused (startStopwatch). */
  attackOwnMs: number;
  /** Slowest /health answer while the attack ran, in ms (probed one at a time, back to back); a failed probe counts the time until it failed. */
  healthMaxMs: number;
  /** Slowest /health answer less the CPU waits other work caused meanwhile (startStopwatch): what bounds assert. */
  healthMaxOwnMs: number;
  healthProbes: number;
  /** Probes that got no answer (a reset or refused connection). */
  healthFailures: number;
}

/** Runs `attack` while probing the gateway's `/health` back to back; returns the attack's result and the slowest probe. */
export async function whileProbingHealth<T>(gateway: Pick<ProductionGateway, 'port' | 'process'>, attack: () => Promise<T>): Promise<AttackFigures<T>> {
  const pid = gateway.process.child.pid!;
  let running = true;
  let healthMaxMs = 0;
  let healthMaxOwnMs = 0;
  let healthProbes = 0;
  let healthFailures = 0;
  const probing = (async () => {
    while (running) {
      const stop = startStopwatch(pid);
      // A probe that fails is a figure of the attack, not an error of the test run: counted, and timed like the rest.
      await fetch(`http://127.0.0.1:${gateway.port}/health`).then(
        (response) => response.arrayBuffer(),
        () => (healthFailures += 1),
      );
      const { wallMs, ownMs } = stop();
      healthMaxMs = Math.max(healthMaxMs, wallMs);
      healthMaxOwnMs = Math.max(healthMaxOwnMs, ownMs);
      healthProbes += 1;
    }
  })();
  const stop = startStopwatch(pid);
  try {
    const result = await attack();
    const { wallMs, ownMs } = stop();
    return { result, attackMs: wallMs, attackOwnMs: ownMs, healthMaxMs, healthMaxOwnMs, healthProbes, healthFailures };
  } finally {
    running = false;
    await probing;
  }
}

/** Posts a JSON body to the gateway; returns status, body text and the time to answer. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

/** One figure line of the suite's report, printed so a run can be quoted. */
export function report(attack: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([name, value]) => `${name}=${typeof value === 'number' ? Math.round(value * 10) / 10 : value}`);
  console.log(`[hostile] ${attack}: ${parts.join(' ')}`);
}
