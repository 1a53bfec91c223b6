import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Environment } from '../src/config.js';

const CREDENTIALS = { TENCENTCLOUD_SECRET_ID: 'AKIDconfigTest', TENCENTCLOUD_SECRET_KEY: 'config-secret-key-value' };

function problemsOf(env: Environment): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies every default when nothing is set, on the emulator', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      production: false,
      upstream: { mode: 'emulator' },
      region: 'ap-singapore',
      language: undefined,
      rateLimitPerSecond: 20,
      maxQueueWaitMs: 2000,
      attemptTimeoutMs: 5000,
      totalTimeoutMs: 15000,
      maxRetries: 2,
      logLevel: 'info',
      graphiql: true,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...CREDENTIALS,
      TENCENTCLOUD_SESSION_TOKEN: 'sts-token',
      TENCENTCLOUD_REGION: 'ap-jakarta',
      FACEID_ENDPOINT: 'http://127.0.0.1:9100',
      FACEID_LANGUAGE: 'zh-CN',
      FACEID_RATE_LIMIT: '10',
      FACEID_MAX_QUEUE_WAIT_MS: '500',
      FACEID_ATTEMPT_TIMEOUT_MS: '1000',
      FACEID_TIMEOUT_MS: '3000',
      FACEID_MAX_RETRIES: '0',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      GRAPHIQL: 'true',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      production: true,
      upstream: {
        mode: 'tencent',
        endpoint: 'http://127.0.0.1:9100',
        credentials: { secretId: 'AKIDconfigTest', secretKey: 'config-secret-key-value', sessionToken: 'sts-token' },
      },
      region: 'ap-jakarta',
      language: 'zh-CN',
      rateLimitPerSecond: 10,
      maxQueueWaitMs: 500,
      attemptTimeoutMs: 1000,
      totalTimeoutMs: 3000,
      maxRetries: 0,
      logLevel: 'warn',
      graphiql: true,
    });
  });

  it('uses the public endpoint when credentials are given without one', () => {
    expect(loadConfig(CREDENTIALS).upstream).toEqual({
      mode: 'tencent',
      endpoint: 'https://faceid.intl.tencentcloudapi.com',
      credentials: { secretId: 'AKIDconfigTest', secretKey: 'config-secret-key-value', sessionToken: undefined },
    });
  });

  it('accepts TENCENTCLOUD_TOKEN as the session token', () => {
    const config = loadConfig({ ...CREDENTIALS, TENCENTCLOUD_TOKEN: 'tccli-token' });
    expect(config.upstream.mode === 'tencent' && config.upstream.credentials.sessionToken).toBe('tccli-token');
  });

  it('turns GraphiQL off in production unless asked for', () => {
    expect(loadConfig({ ...CREDENTIALS, NODE_ENV: 'production' }).graphiql).toBe(false);
    expect(loadConfig({ GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', TENCENTCLOUD_SECRET_ID: ' ', TENCENTCLOUD_SECRET_KEY: '' }).upstream).toEqual({ mode: 'emulator' });
  });

  it.each<[string, Environment, string]>([
    ['a port that is not a number', { PORT: 'http' }, 'PORT must be a whole number from 0 to 65535, got "http"'],
    ['a port out of range', { PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000"'],
    ['a rate limit of zero', { FACEID_RATE_LIMIT: '0' }, 'FACEID_RATE_LIMIT must be a whole number from 1 to 1000, got "0"'],
    ['a fractional rate limit', { FACEID_RATE_LIMIT: '2.5' }, 'FACEID_RATE_LIMIT must be a whole number from 1 to 1000, got "2.5"'],
    ['an unknown region', { TENCENTCLOUD_REGION: 'ap-guangzhou' }, 'TENCENTCLOUD_REGION must be one of ap-singapore, ap-jakarta, ap-bangkok, ap-hongkong, sa-saopaulo, got "ap-guangzhou"'],
    ['an unknown language', { FACEID_LANGUAGE: 'fr-FR' }, 'FACEID_LANGUAGE must be one of en-US, zh-CN, got "fr-FR"'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['a GraphiQL switch that is not a boolean', { GRAPHIQL: 'yes' }, 'GRAPHIQL must be one of true, false, got "yes"'],
    ['negative retries', { FACEID_MAX_RETRIES: '-1' }, 'FACEID_MAX_RETRIES must be a whole number from 0 to 10, got "-1"'],
    [
      'an attempt timeout above the total',
      { FACEID_ATTEMPT_TIMEOUT_MS: '9000', FACEID_TIMEOUT_MS: '8000' },
      'FACEID_ATTEMPT_TIMEOUT_MS (9000) must not exceed FACEID_TIMEOUT_MS (8000)',
    ],
    [
      'a queue wait as long as the total',
      { FACEID_MAX_QUEUE_WAIT_MS: '8000', FACEID_TIMEOUT_MS: '8000' },
      'FACEID_MAX_QUEUE_WAIT_MS (8000) must be less than FACEID_TIMEOUT_MS (8000)',
    ],
    [
      'a secret id without its key',
      { TENCENTCLOUD_SECRET_ID: 'AKIDonly' },
      'TENCENTCLOUD_SECRET_KEY is required when TENCENTCLOUD_SECRET_ID is set',
    ],
    [
      'a secret key without its id',
      { TENCENTCLOUD_SECRET_KEY: 'key-only' },
      'TENCENTCLOUD_SECRET_ID is required when TENCENTCLOUD_SECRET_KEY is set',
    ],
    [
      'an endpoint without credentials',
      { FACEID_ENDPOINT: 'http://127.0.0.1:9100' },
      'FACEID_ENDPOINT is set but TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not: set the credentials, or unset FACEID_ENDPOINT to use the built-in emulator',
    ],
    [
      'an endpoint with a path',
      { ...CREDENTIALS, FACEID_ENDPOINT: 'https://faceid.intl.tencentcloudapi.com/v3' },
      'FACEID_ENDPOINT must be an http(s) URL with no path, query or credentials, got "https://faceid.intl.tencentcloudapi.com/v3"',
    ],
    [
      'an endpoint that is not a URL',
      { ...CREDENTIALS, FACEID_ENDPOINT: 'faceid.intl.tencentcloudapi.com' },
      'FACEID_ENDPOINT must be an http(s) URL with no path, query or credentials, got "faceid.intl.tencentcloudapi.com"',
    ],
    [
      'two different session tokens',
      { ...CREDENTIALS, TENCENTCLOUD_SESSION_TOKEN: 'a', TENCENTCLOUD_TOKEN: 'b' },
      'TENCENTCLOUD_SESSION_TOKEN and TENCENTCLOUD_TOKEN are both set and differ; set only one',
    ],
    [
      'production without credentials',
      { NODE_ENV: 'production' },
      'TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are required when NODE_ENV=production (the built-in emulator never serves production)',
    ],
  ])('refuses %s', (_case, env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'x', FACEID_RATE_LIMIT: '0', TENCENTCLOUD_REGION: 'mars-1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.problems).toHaveLength(4);
    expect(configError.message.split('\n')).toHaveLength(5);
    expect(configError.message).toContain('TENCENTCLOUD_SECRET_ID');
  });

  it('never names a secret value in its message', () => {
    const env = {
      TENCENTCLOUD_SECRET_KEY: 'super-secret-key-value',
      TENCENTCLOUD_SESSION_TOKEN: 'secret-session-token',
      TENCENTCLOUD_TOKEN: 'other-secret-token',
      FACEID_ENDPOINT: 'https://user:pass-in-url@example.com',
    };
    const message = [...problemsOf(env), ...problemsOf({ ...CREDENTIALS, FACEID_ENDPOINT: env.FACEID_ENDPOINT })].join('\n');
    expect(message).toContain('FACEID_ENDPOINT must be an http(s) URL');
    expect(message).not.toContain('pass-in-url');
    expect(message).not.toContain('config-secret-key-value');
    expect(message).not.toContain('super-secret-key-value');
    expect(message).not.toContain('secret-session-token');
    expect(message).not.toContain('other-secret-token');
  });
});
