import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { callEmulator, codeOf } from './helpers/emulator-client.js';
import { EMULATOR_DEVELOPMENT_KEY_PAIR } from '../src/emulator/index.js';

const MAIN = fileURLToPath(new URL('../src/emulator/main.ts', import.meta.url));

/** Runs `tsx src/emulator/main.ts` with exactly `env`: nothing leaks in from the developer's shell. */
function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

describe('npm run emulator', () => {
  it('prints its URL and development SecretId, serves signed requests and stops on SIGTERM', async () => {
    const { child, output } = runMain({ EMULATOR_PORT: '0' });
    await new Promise<void>((resolve) => child.stdout.on('data', () => output().stdout.includes('\n') && resolve()));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output().stdout)?.[1];

    expect(output().stdout).toContain(`SecretId ${EMULATOR_DEVELOPMENT_KEY_PAIR.secretId}`);
    expect(codeOf(await callEmulator(url!, { keyPair: EMULATOR_DEVELOPMENT_KEY_PAIR }))).toBe('OK');

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output().stdout.trim().split('\n')).toHaveLength(1); // no request logging
  });

  it('never prints a real secret key', async () => {
    const { child, output } = runMain({ EMULATOR_PORT: '0', TENCENTCLOUD_SECRET_ID: 'AKIDREALLOOKING', TENCENTCLOUD_SECRET_KEY: 'real-secret-value' });
    await new Promise<void>((resolve) => child.stdout.on('data', () => output().stdout.includes('\n') && resolve()));
    child.kill('SIGINT');
    await once(child, 'exit');

    expect(output().stdout).toContain('SecretId AKIDREALLOOKING');
    expect(output().stdout + output().stderr).not.toContain('real-secret-value');
  });

  it('exits 1 with a clear message for an invalid EMULATOR_PORT', async () => {
    const { child, output } = runMain({ EMULATOR_PORT: 'ninety-one' });
    const [code] = await once(child, 'exit');

    expect(code).toBe(1);
    expect(output().stderr).toContain('EMULATOR_PORT must be an integer from 0 to 65535');
  });
});
