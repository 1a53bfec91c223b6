import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_PORT, EmulatorConfigError, loadEmulatorConfig } from '../src/emulator/config.js';
import { EMULATOR_DEVELOPMENT_KEY_PAIR } from '../src/emulator/index.js';

describe('loadEmulatorConfig', () => {
  it.each<[string, Record<string, string>, ReturnType<typeof loadEmulatorConfig>]>([
    ['nothing set', {}, { port: DEFAULT_EMULATOR_PORT, keyPair: EMULATOR_DEVELOPMENT_KEY_PAIR, usesDevelopmentKeyPair: true }],
    ['empty values, as .env files leave them', { EMULATOR_PORT: '', TENCENTCLOUD_SECRET_ID: '', TENCENTCLOUD_SECRET_KEY: '' }, { port: 9100, keyPair: EMULATOR_DEVELOPMENT_KEY_PAIR, usesDevelopmentKeyPair: true }],
    ['a port', { EMULATOR_PORT: '9200' }, { port: 9200, keyPair: EMULATOR_DEVELOPMENT_KEY_PAIR, usesDevelopmentKeyPair: true }],
    ['port 0 (any free port)', { EMULATOR_PORT: '0' }, { port: 0, keyPair: EMULATOR_DEVELOPMENT_KEY_PAIR, usesDevelopmentKeyPair: true }],
    ['both credentials', { TENCENTCLOUD_SECRET_ID: 'AKIDmine', TENCENTCLOUD_SECRET_KEY: 'my-key' }, { port: 9100, keyPair: { secretId: 'AKIDmine', secretKey: 'my-key' }, usesDevelopmentKeyPair: false }],
  ])('reads %s', (_, env, expected) => {
    expect(loadEmulatorConfig(env)).toEqual(expected);
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['a non-numeric port', { EMULATOR_PORT: 'http' }, ['EMULATOR_PORT must be an integer from 0 to 65535 (0 picks a free port), got "http"']],
    ['a port above 65535', { EMULATOR_PORT: '70000' }, ['EMULATOR_PORT must be an integer from 0 to 65535 (0 picks a free port), got "70000"']],
    ['a SecretId without its key', { TENCENTCLOUD_SECRET_ID: 'AKIDmine' }, ['TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not: set both to accept your own key pair, or neither to use the development key pair']],
    [
      'a key without its SecretId, and a bad port: both at once',
      { TENCENTCLOUD_SECRET_KEY: 'my-key', EMULATOR_PORT: '-1' },
      [
        'EMULATOR_PORT must be an integer from 0 to 65535 (0 picks a free port), got "-1"',
        'TENCENTCLOUD_SECRET_KEY is set but TENCENTCLOUD_SECRET_ID is not: set both to accept your own key pair, or neither to use the development key pair',
      ],
    ],
  ])('refuses %s, listing every problem', (_, env, problems) => {
    let thrown: unknown;
    try {
      loadEmulatorConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EmulatorConfigError);
    expect((thrown as EmulatorConfigError).problems).toEqual(problems);
    expect((thrown as EmulatorConfigError).message).not.toContain('my-key');
  });
});
