/**
 * A real gateway process in a production configuration (JWT and API-key authentication, Tencent mode pointed at
 * an emulator on 127.0.0.1), measured from the outside: resident memory from /proc and /health latency while an
 * attack runs. Used by the hostile-input suites.
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** What Linux's scheduler counted for a process's threads (/proc/<pid>/task/<tid>/schedstat), in ms. */
interface SchedulerCounts {
  /** Time the main thread (which runs the event loop) spent runnable but waiting for a CPU. */
  mainWaitMs: number;
  /** CPU time of every other thread of the process (V8's collector helpers, libuv's pool, loaders). */
  otherThreadsCpuMs: number;
  /** CPU time of all its threads. */
  cpuMs: number;
}

/** The schedstat fields of one thread, in ms: [on a CPU, waiting for one]; undefined once it is gone. */
function threadSchedstat(path: string): [number, number] | undefined {
  try {
    const [onCpu, waiting] = readFileSync(path, 'utf8').split(' ');
    return [Number(onCpu) / 1e6 || 0, Number(waiting) / 1e6 || 0];
  } catch {
    return undefined;
  }
}

/** The scheduler's counts for process `pid` now; zeros where the kernel does not say (or the process is gone). */
function schedulerCounts(pid: number): SchedulerCounts {
  const counts = { mainWaitMs: 0, otherThreadsCpuMs: 0, cpuMs: 0 };
  let threads: string[] = [];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return counts;
  }
  for (const tid of threads) {
    const stat = threadSchedstat(`/proc/${pid}/task/${tid}/schedstat`);
    if (!stat) continue;
    counts.cpuMs += stat[0];
    if (tid === String(pid)) counts.mainWaitMs = stat[1];
    else counts.otherThreadsCpuMs += stat[0];
  }
  return counts;
}

/** Time the thread running this code has spent runnable but waiting for a CPU, in ms (0 where the kernel does not say). */
function ownThreadWaitMs(): number {
  return threadSchedstat('/proc/thread-self/schedstat')?.[1] ?? 0;
}

/** /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 a second whatever its scheduler's rate. */
const PROC_STAT_MS_PER_TICK = 10;

/** CPU time the whole machine has spent busy (every CPU, anything but idle and I/O wait), in ms; 0 where unknown. */
function machineBusyMs(): number {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n')[0]!.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * PROC_STAT_MS_PER_TICK;
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
 * the wall time, and the wall time less the waits for a CPU that work outside the gateway caused meanwhile (a
 * parallel build, another test suite, or this test's own load generator, whose CPU an attacker would spend on
 * another machine): they are not the gateway's latency.
 *
 * A thread waits for a CPU when others hold them, and of the CPU time others used meanwhile, the gateway's other
 * threads (its collector's helpers, libuv's pool) are its own work. So the wait of the gateway's main thread is
 * left out in the share of the machine's busy time, less the gateway's, that its other threads did not take; and
 * likewise this test's thread's wait (it reads the answer), in the share of the machine's busy time that was not
 * the gateway's; the larger of the two. With nothing but the gateway running, own time is wall time, so a bound on
 * it is as strict as one on the wall time; it fails whenever a request waits behind the gateway's own work, on any
 * of its threads, or behind anything but the CPU. (Machine time is counted in 10 ms ticks: short probes are timed
 * all but exactly, as nothing is left out of them.)
 */
export function startStopwatch(gatewayPid: number): () => StopwatchTime {
  const from = markNow(gatewayPid);
  return () => timeBetween(from, markNow(gatewayPid));
}

/** What a stopwatch reads at one moment. */
interface StopwatchMark {
  at: number;
  gateway: SchedulerCounts;
  testWaitMs: number;
  machineBusyMs: number;
}

function markNow(gatewayPid: number): StopwatchMark {
  return { at: performance.now(), gateway: schedulerCounts(gatewayPid), testWaitMs: ownThreadWaitMs(), machineBusyMs: machineBusyMs() };
}

/** The time from one mark to a later one, on the wall and the gateway's own (see startStopwatch). */
function timeBetween(from: StopwatchMark, to: StopwatchMark): StopwatchTime {
  const wallMs = to.at - from.at;
  const gatewayCpuMs = to.gateway.cpuMs - from.gateway.cpuMs;
  const otherThreadsCpuMs = to.gateway.otherThreadsCpuMs - from.gateway.otherThreadsCpuMs;
  const outsideCpuMs = Math.max(0, to.machineBusyMs - from.machineBusyMs - gatewayCpuMs);
  const shareOf = (waitMs: number, competingOwnCpuMs: number) =>
    outsideCpuMs + competingOwnCpuMs > 0 ? (Math.max(0, waitMs) * outsideCpuMs) / (outsideCpuMs + competingOwnCpuMs) : 0;
  const gatewayWaitMs = shareOf(to.gateway.mainWaitMs - from.gateway.mainWaitMs, otherThreadsCpuMs);
  const testWaitMs = shareOf(to.testWaitMs - from.testWaitMs, gatewayCpuMs);
  return { wallMs, ownMs: Math.max(0, wallMs - Math.max(gatewayWaitMs, testWaitMs)) };
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
    // Probes follow one another at once: each one's end mark is the next one's start (a mark reads a dozen /proc files).
    let from = markNow(pid);
    while (running) {
      // A probe that fails is a figure of the attack, not an error of the test run: counted, and timed like the rest.
      await fetch(`http://127.0.0.1:${gateway.port}/health`).then(
        (response) => response.arrayBuffer(),
        () => (healthFailures += 1),
      );
      const to = markNow(pid);
      const { wallMs, ownMs } = timeBetween(from, to);
      from = to;
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
