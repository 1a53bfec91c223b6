/** Runs the real gateway process (`src/server.ts`) with a clean environment, as `npm start` would. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the port once the gateway logs that it listens. */
  listening: Promise<number>;
}

/** How to run the gateway: its TypeScript source through tsx (the default), or the bundle `npm start` runs. */
export const GATEWAY_ENTRIES = {
  source: ['--import', 'tsx', 'src/server.ts'],
  compiled: ['dist/server.js'],
} as const;

/** Starts the gateway (`src/server.ts` unless told otherwise) with exactly `env` (plus PATH and HOME). */
export function spawnGateway(env: Record<string, string>, entry: keyof typeof GATEWAY_ENTRIES = 'source'): GatewayProcess {
  const child = spawn(process.execPath, [...GATEWAY_ENTRIES[entry]], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)\/graphql/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening:\n${stdout}\n${stderr}`)));
  });
  listening.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, exited, listening };
}

/** Kills a gateway that a test left running (a failed assertion), and waits until it is gone. */
export async function stopIfRunning(gateway: GatewayProcess | undefined): Promise<void> {
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
}
