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
      maxUpstreamResponseBytes: 48 * 1024 * 1024,
      logLevel: 'info',
      graphiql: true,
      auth: { mode: 'open' },
      callerMaxShare: undefined,
      corsOrigins: ['*'],
      introspection: true,
      batchingLimit: 0,
      persistedOperationsOnly: false,
      trustProxy: { hops: 0 },
      http: {
        headersTimeoutMs: 15_000,
        requestTimeoutMs: 180_000,
        idleTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5000,
        maxConnections: 4096,
        maxHeaderBytes: 16_384,
        minBodyBytesPerSecond: 1024,
      },
      maxHeldBodyBytes: 256 * 1024 * 1024,
      shutdownTimeoutMs: 10000,
      sharedBudgetRedisUrl: undefined,
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
      FACEID_MAX_RESPONSE_BYTES: '65536',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      GRAPHIQL: 'false',
      INTROSPECTION: 'true',
      AUTH_JWT_SECRET: 'a-shared-secret-of-at-least-32-bytes!!',
      AUTH_JWT_ISSUER: 'https://issuer.example.com',
      AUTH_JWT_AUDIENCE: 'faceid-gateway',
      AUTH_JWT_MAX_LIFETIME_SECONDS: '3600',
      AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '5',
      AUTH_API_KEYS: JSON.stringify([{ name: 'backend', sha256: 'AB'.repeat(32), scopes: ['faceid:ekyc'] }]),
      FACEID_CALLER_MAX_SHARE_PERCENT: '25',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      GRAPHQL_BATCHING_LIMIT: '5',
      PERSISTED_OPERATIONS_ONLY: 'true',
      TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32,loopback',
      SHUTDOWN_TIMEOUT_MS: '2000',
      HTTP_HEADERS_TIMEOUT_MS: '10000',
      HTTP_REQUEST_TIMEOUT_MS: '120000',
      HTTP_IDLE_TIMEOUT_MS: '70000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
      HTTP_MAX_CONNECTIONS: '2000',
      HTTP_MAX_HEADER_BYTES: '8192',
      HTTP_MIN_BODY_BYTES_PER_SECOND: '0',
      HTTP_MAX_HELD_BODY_BYTES: '33554432',
      FACEID_SHARED_BUDGET_REDIS_URL: 'redis://127.0.0.1:6379/2',
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
      maxUpstreamResponseBytes: 65536,
      logLevel: 'warn',
      graphiql: false,
      auth: {
        mode: 'required',
        jwt: {
          secret: 'a-shared-secret-of-at-least-32-bytes!!',
          jwksUrl: undefined,
          issuer: 'https://issuer.example.com',
          audience: 'faceid-gateway',
          maxLifetimeSeconds: 3600,
          clockToleranceSeconds: 5,
        },
        apiKeys: [{ name: 'backend', sha256: 'ab'.repeat(32), scopes: ['faceid:ekyc'] }],
      },
      callerMaxShare: 0.25,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      introspection: true,
      batchingLimit: 5,
      persistedOperationsOnly: true,
      trustProxy: { addresses: ['10.0.0.0/8', '2001:db8::/32', 'loopback'] },
      http: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 120_000,
        idleTimeoutMs: 70_000,
        keepAliveTimeoutMs: 65_000,
        maxConnections: 2000,
        maxHeaderBytes: 8192,
        minBodyBytesPerSecond: 0,
      },
      maxHeldBodyBytes: 32 * 1024 * 1024,
      shutdownTimeoutMs: 2000,
      sharedBudgetRedisUrl: 'redis://127.0.0.1:6379/2',
    });
  });

  const MiB = 2 ** 20;
  it.each([
    ['a 512 MiB heap (--max-old-space-size=512, 560 MiB in all)', 560 * MiB, 70 * MiB],
    ['a 4 GiB heap (Node 20 on a large machine)', 4144 * MiB, 256 * MiB],
    ['a 96 MiB heap', 96 * MiB, 16 * MiB],
    ['a heap limit that is not a whole number of MiB', 560 * MiB + 12345, 70 * MiB],
  ])('sizes the default held-body budget to an eighth of %s, from 16 to 256 MiB', (_heap, heapLimitBytes, expected) => {
    expect(loadConfig({}, { heapLimitBytes }).maxHeldBodyBytes).toBe(expected);
  });

  it('keeps HTTP_MAX_HELD_BODY_BYTES as set, whatever the heap', () => {
    expect(loadConfig({ HTTP_MAX_HELD_BODY_BYTES: '536870912' }, { heapLimitBytes: 560 * MiB }).maxHeldBodyBytes).toBe(512 * MiB);
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

  it('is closed by default in production: no GraphiQL, no introspection, no cross-origin callers', () => {
    const config = loadConfig({ ...CREDENTIALS, NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true' });
    expect(config.graphiql).toBe(false);
    expect(config.introspection).toBe(false);
    expect(config.corsOrigins).toEqual([]);
    expect(config.auth).toEqual({ mode: 'open' });
    expect(loadConfig({ GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('turns GraphiQL off by default when introspection is off, rather than refusing to start', () => {
    const config = loadConfig({ INTROSPECTION: 'false' });
    expect([config.introspection, config.graphiql]).toEqual([false, false]);
  });

  it('turns GraphiQL off by default in persisted-operations mode', () => {
    expect(loadConfig({ PERSISTED_OPERATIONS_ONLY: 'true' }).graphiql).toBe(false);
  });

  it.each<[string, object]>([
    ['false', { hops: 0 }],
    ['0', { hops: 0 }],
    ['2', { hops: 2 }],
    ['192.0.2.10', { addresses: ['192.0.2.10'] }],
  ])('reads TRUST_PROXY=%s', (raw, trusted) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(trusted);
  });

  it('gives JWTs a day of lifetime and 30 s of clock tolerance by default', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' });
    expect(config.auth.mode === 'required' && config.auth.jwt).toMatchObject({ maxLifetimeSeconds: 86_400, clockToleranceSeconds: 30 });
  });

  it('accepts the retired CALLER_MAX_SHARE_PERCENT=100, which asked for no per-caller limit, the default now', () => {
    expect(loadConfig({ CALLER_MAX_SHARE_PERCENT: '100' }).callerMaxShare).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', TENCENTCLOUD_SECRET_ID: ' ', TENCENTCLOUD_SECRET_KEY: '' }).upstream).toEqual({ mode: 'emulator' });
  });

  it.each<[string, Environment, string]>([
    ['a port that is not a number', { PORT: 'http' }, 'PORT must be a whole number from 0 to 65535, got "http"'],
    ['a port out of range', { PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000"'],
    ['a probe port that is not a number', { HEALTH_PORT: 'health' }, 'HEALTH_PORT must be a whole number from 0 to 65535, got "health"'],
    ['a probe port that is the main port', { PORT: '8080', HEALTH_PORT: '8080' }, 'HEALTH_PORT must differ from PORT (both 8080)'],
    ['a rate limit of zero', { FACEID_RATE_LIMIT: '0' }, 'FACEID_RATE_LIMIT must be a whole number from 1 to 10000, got "0"'],
    ['a fractional rate limit', { FACEID_RATE_LIMIT: '2.5' }, 'FACEID_RATE_LIMIT must be a whole number from 1 to 10000, got "2.5"'],
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
      { NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true' },
      'TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are required when NODE_ENV=production (the built-in emulator never serves production)',
    ],
    [
      'production without authentication',
      { ...CREDENTIALS, NODE_ENV: 'production' },
      'no authentication is configured: set AUTH_JWT_SECRET or AUTH_JWKS_URL (with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE) and/or AUTH_API_KEYS, or set ALLOW_UNAUTHENTICATED=true to run an open gateway',
    ],
    [
      'GraphiQL in persisted-operations mode',
      { GRAPHIQL: 'true', PERSISTED_OPERATIONS_ONLY: 'true' },
      'GRAPHIQL=true cannot work with PERSISTED_OPERATIONS_ONLY=true: GraphiQL sends query text, which that mode refuses',
    ],
    ['GraphiQL without introspection', { GRAPHIQL: 'true', INTROSPECTION: 'false' }, 'GRAPHIQL=true needs INTROSPECTION=true: GraphiQL reads the schema by introspection'],
    ['a JWT secret without issuer and audience', { AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWT_AUDIENCE: 'gw' }, 'AUTH_JWT_ISSUER is required with JWT authentication (the "iss" every token must carry)'],
    ['a short JWT secret', { AUTH_JWT_SECRET: 'short', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)'],
    ['both a JWT secret and a JWKS URL', { AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://issuer.example.com/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both'],
    ['a JWKS URL that is not a URL', { AUTH_JWKS_URL: 'jwks.json', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL must be an http(s) URL (its value is not repeated here)'],
    ['a JWKS URL of another scheme, holding secrets', { AUTH_JWKS_URL: 'htps://admin:hunter2@idp.example.com/jwks?api_key=SECRET', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL must be an http(s) URL (its value is not repeated here)'],
    ['a JWKS URL with credentials', { AUTH_JWKS_URL: 'https://admin:hunter2@idp.example.com/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }, 'AUTH_JWKS_URL must carry no user name or password: fetch refuses such URLs (its value is not repeated here)'],
    ['two API keys with one hash', { AUTH_API_KEYS: JSON.stringify([{ name: 'ro', sha256: 'a'.repeat(64), scopes: ['faceid:result'] }, { name: 'rw', sha256: 'A'.repeat(64), scopes: ['faceid:ekyc'] }]) }, 'AUTH_API_KEYS[1].sha256 is the same as that of "ro": each key needs an entry of its own'],
    ['an issuer without a key', { AUTH_JWT_ISSUER: 'i' }, 'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE need AUTH_JWT_SECRET or AUTH_JWKS_URL'],
    ['API keys that are not JSON', { AUTH_API_KEYS: 'backend:abc' }, 'AUTH_API_KEYS must be a JSON array of {"name": "...", "sha256": "<64 hex digits>", "scopes": ["faceid:selfie", "faceid:ekyc"]}; it is not JSON'],
    ['an API key in clear instead of its hash', { AUTH_API_KEYS: '[{"name":"backend","sha256":"my-plain-key","scopes":["faceid:selfie"]}]' }, 'AUTH_API_KEYS[0].sha256 must be the SHA-256 of the key in hex (64 digits), not the key itself'],
    ['an API key with an unknown scope', { AUTH_API_KEYS: JSON.stringify([{ name: 'b', sha256: 'a'.repeat(64), scopes: ['admin'] }]) }, 'AUTH_API_KEYS[0].scopes must list one or more of faceid:selfie, faceid:ekyc, faceid:result'],
    ['two API keys with one name', { AUTH_API_KEYS: JSON.stringify([{ name: 'b', sha256: 'a'.repeat(64), scopes: ['faceid:ekyc'] }, { name: 'b', sha256: 'b'.repeat(64), scopes: ['faceid:ekyc'] }]) }, 'AUTH_API_KEYS[1].name "b" is used twice'],
    ['a CORS entry that is not an origin', { CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS entries must be origins like https://app.example.com (scheme, host, optional port), got "https://app.example.com/path"'],
    ['a shared budget URL that is not Redis', { FACEID_SHARED_BUDGET_REDIS_URL: 'http://user:secret-pass@cache:6379' }, 'FACEID_SHARED_BUDGET_REDIS_URL must be a redis:// or rediss:// URL'],
    ['a JWT lifetime over thirty days', { AUTH_JWT_MAX_LIFETIME_SECONDS: '2592001' }, 'AUTH_JWT_MAX_LIFETIME_SECONDS must be a whole number from 60 to 2592000, got "2592001"'],
    ['a JWT clock tolerance over five minutes', { AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '301' }, 'AUTH_JWT_CLOCK_TOLERANCE_SECONDS must be a whole number from 0 to 300, got "301"'],
    [
      'TRUST_PROXY=true, which believed the client-written left-most entry',
      { TRUST_PROXY: 'true' },
      'TRUST_PROXY=true is no longer accepted (it let clients forge their address): set the number of proxies in front of the gateway (e.g. TRUST_PROXY=1) or their addresses/CIDR ranges (e.g. TRUST_PROXY=10.0.0.0/8,loopback)',
    ],
    ['a proxy hop count over 10', { TRUST_PROXY: '11' }, 'TRUST_PROXY as a hop count must be from 0 to 10, got "11"'],
    ['a proxy entry that is not an address', { TRUST_PROXY: '10.0.0.1,proxy.internal' }, 'TRUST_PROXY entries must be IP addresses, CIDR ranges, loopback, linklocal or uniquelocal, got "proxy.internal"'],
    ['a proxy range with a bad prefix', { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY entries must be IP addresses, CIDR ranges, loopback, linklocal or uniquelocal, got "10.0.0.0/33"'],
    ['an upstream answer bound under 1 KiB', { FACEID_MAX_RESPONSE_BYTES: '1023' }, 'FACEID_MAX_RESPONSE_BYTES must be a whole number from 1024 to 268435456, got "1023"'],
    ['a headers timeout as long as the request timeout', { HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '60000' }, 'HTTP_HEADERS_TIMEOUT_MS (60000) must be less than HTTP_REQUEST_TIMEOUT_MS (60000)'],
    ['an idle timeout that would cut a call waiting for Tencent', { HTTP_IDLE_TIMEOUT_MS: '15000' }, 'HTTP_IDLE_TIMEOUT_MS (15000) must be more than FACEID_TIMEOUT_MS (15000)'],
    ['a keep-alive timeout past the idle timeout', { HTTP_KEEP_ALIVE_TIMEOUT_MS: '31000' }, 'HTTP_KEEP_ALIVE_TIMEOUT_MS (31000) must not exceed HTTP_IDLE_TIMEOUT_MS (30000)'],
    ['no connections at all', { HTTP_MAX_CONNECTIONS: '0' }, 'HTTP_MAX_CONNECTIONS must be a whole number from 1 to 1000000, got "0"'],
    ['a held-body budget under 16 MiB', { HTTP_MAX_HELD_BODY_BYTES: '1048576' }, 'HTTP_MAX_HELD_BODY_BYTES must be a whole number from 16777216 to 68719476736, got "1048576"'],
    ['a header bound over 64 KiB', { HTTP_MAX_HEADER_BYTES: '65537' }, 'HTTP_MAX_HEADER_BYTES must be a whole number from 1024 to 65536, got "65537"'],
    ['a caller share over 100%', { FACEID_CALLER_MAX_SHARE_PERCENT: '150' }, 'FACEID_CALLER_MAX_SHARE_PERCENT must be a whole number from 1 to 100, got "150"'],
    [
      'the retired fixed share',
      { CALLER_MAX_SHARE_PERCENT: '50' },
      'CALLER_MAX_SHARE_PERCENT is no longer read: callers now share the budget by fair queuing; for a hard cap per caller set FACEID_CALLER_MAX_SHARE_PERCENT',
    ],
  ])('refuses %s', (_case, env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true', PORT: 'x', FACEID_RATE_LIMIT: '0', TENCENTCLOUD_REGION: 'mars-1' });
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
      AUTH_JWT_SECRET: 'jwt-secret-that-is-far-too-obvious',
      AUTH_API_KEYS: '[{"name":"backend","sha256":"plain-api-key-value","scopes":[]}]',
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
    expect(message).not.toContain('jwt-secret-that-is-far-too-obvious');
    expect(message).not.toContain('plain-api-key-value');
    expect(message).not.toContain('secret-session-token');
    expect(message).not.toContain('other-secret-token');
  });
});
