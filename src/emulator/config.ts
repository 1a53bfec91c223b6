/**
 * The standalone emulator's configuration, parsed once from an environment-like object (main.ts passes
 * process.env; tests pass plain objects). An empty variable counts as unset, as `.env` files often leave them.
 */
import type { EmulatorKeyPair } from './authenticate.js';
import { EMULATOR_DEVELOPMENT_KEY_PAIR } from './development-key-pair.js';

/** @default 9100 */
export const DEFAULT_EMULATOR_PORT = 9100;

/** What `npm run emulator` runs with. */
export interface EmulatorProcessConfig {
  port: number;
  keyPair: EmulatorKeyPair;
  /** True when no credentials were given and the public development key pair is in use. */
  usesDevelopmentKeyPair: boolean;
}

/** Every problem with the environment at once, so one restart fixes them all. */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
  readonly code = 'EMULATOR_CONFIG_INVALID';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid FaceID emulator configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Reads EMULATOR_PORT, TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY; throws EmulatorConfigError. */
export function loadEmulatorConfig(env: Readonly<Record<string, string | undefined>>): EmulatorProcessConfig {
  const problems: string[] = [];
  const read = (name: string) => (env[name] === '' ? undefined : env[name]);

  const portText = read('EMULATOR_PORT');
  let port = DEFAULT_EMULATOR_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 0 && port <= 65535)) {
      problems.push(`EMULATOR_PORT must be an integer from 0 to 65535 (0 picks a free port), got ${JSON.stringify(portText)}`);
    }
  }

  const secretId = read('TENCENTCLOUD_SECRET_ID');
  const secretKey = read('TENCENTCLOUD_SECRET_KEY');
  if ((secretId === undefined) !== (secretKey === undefined)) {
    const [set, unset] = secretId === undefined ? ['TENCENTCLOUD_SECRET_KEY', 'TENCENTCLOUD_SECRET_ID'] : ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY'];
    problems.push(`${set} is set but ${unset} is not: set both to accept your own key pair, or neither to use the development key pair`);
  }

  if (problems.length > 0) throw new EmulatorConfigError(problems);
  const usesDevelopmentKeyPair = secretId === undefined || secretKey === undefined;
  return {
    port,
    keyPair: usesDevelopmentKeyPair ? { ...EMULATOR_DEVELOPMENT_KEY_PAIR } : { secretId, secretKey },
    usesDevelopmentKeyPair,
  };
}
