/**
 * Configuration, read from the environment once, at start-up. Every variable, its default and its check live
 * here; a bad value is reported together with every other bad value, and never echoes a secret.
 */
import { FACEID_DEFAULT_ENDPOINT, FACEID_REGIONS, type FaceIdRegion } from './faceid/wire.js';
import { DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES, type FaceIdCredentials } from './faceid/client.js';
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MIN_BODY_BYTES_PER_SECOND,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HttpServerLimits,
} from './http-server.js';
import { DEFAULT_MAX_HELD_BODY_BYTES, MIN_MAX_HELD_BODY_BYTES, defaultMaxHeldBodyBytes } from './protection/bounded-body.js';
import { NO_TRUSTED_PROXIES, checkTrustedProxyEntry, type TrustedProxies } from './protection/client-address.js';
import {
  ALL_SCOPES,
  DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_JWT_MAX_LIFETIME_SECONDS,
  type ApiKeyEntry,
  type AuthSettings,
  type JwtSettings,
} from './auth/authenticate.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Every variable loadConfig reads. The readers below accept only these names, so a variable cannot be read without
 * being listed here, and the README's configuration table is checked against this list.
 */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'HEALTH_PORT',
  'LOG_LEVEL',
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
  'TENCENTCLOUD_TOKEN',
  'TENCENTCLOUD_REGION',
  'FACEID_ENDPOINT',
  'FACEID_LANGUAGE',
  'FACEID_RATE_LIMIT',
  'FACEID_MAX_QUEUE_WAIT_MS',
  'FACEID_ATTEMPT_TIMEOUT_MS',
  'FACEID_TIMEOUT_MS',
  'FACEID_MAX_RETRIES',
  'FACEID_MAX_RESPONSE_BYTES',
  'FACEID_SHARED_BUDGET_REDIS_URL',
  'FACEID_CALLER_MAX_SHARE_PERCENT',
  'CALLER_MAX_SHARE_PERCENT',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'AUTH_JWT_MAX_LIFETIME_SECONDS',
  'AUTH_JWT_CLOCK_TOLERANCE_SECONDS',
  'AUTH_API_KEYS',
  'ALLOW_UNAUTHENTICATED',
  'CORS_ORIGINS',
  'INTROSPECTION',
  'GRAPHIQL',
  'GRAPHQL_BATCHING_LIMIT',
  'PERSISTED_OPERATIONS_ONLY',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
  'HTTP_HEADERS_TIMEOUT_MS',
  'HTTP_REQUEST_TIMEOUT_MS',
  'HTTP_IDLE_TIMEOUT_MS',
  'HTTP_KEEP_ALIVE_TIMEOUT_MS',
  'HTTP_MAX_CONNECTIONS',
  'HTTP_MAX_HEADER_BYTES',
  'HTTP_MIN_BODY_BYTES_PER_SECOND',
  'HTTP_MAX_HELD_BODY_BYTES',
] as const;

/** A variable loadConfig reads. */
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

/** Where tokens come from: Tencent (or any endpoint speaking its protocol), or the built-in emulator. */
export type UpstreamConfig =
  | { mode: 'tencent'; endpoint: string; credentials: FaceIdCredentials }
  | { mode: 'emulator' };

export interface Config {
  /** @default 4000 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
  /**
   * A second port that serves only `/health` and `/ready`, with a listening socket of its own, so that a probe is
   * accepted and answered while thousands of connections wait to be accepted on `port`. @default undefined (none)
   */
  healthPort: number | undefined;
  /** `NODE_ENV=production`. */
  production: boolean;
  upstream: UpstreamConfig;
  /** @default 'ap-singapore' */
  region: FaceIdRegion;
  /** `X-TC-Language`; unset leaves Tencent's default. */
  language: 'en-US' | 'zh-CN' | undefined;
  /** @default 20 */
  rateLimitPerSecond: number;
  /** @default 2000 */
  maxQueueWaitMs: number;
  /** @default 5000 */
  attemptTimeoutMs: number;
  /** @default 15000 */
  totalTimeoutMs: number;
  /** @default 2 */
  maxRetries: number;
  /** Largest upstream answer read before it is abandoned as UPSTREAM_UNAVAILABLE. Token answers are further held to 64 KiB. @default 50331648 (48 MiB) */
  maxUpstreamResponseBytes: number;
  /** @default 'info' */
  logLevel: LogLevel;
  /** Serve GraphiQL on GET /graphql. @default true outside production, false in production */
  graphiql: boolean;
  /** Who may mint tokens. @default open outside production; required in production */
  auth: AuthSettings;
  /**
   * Opt-in hard cap: the largest share of each action's budget one caller may take, even alone. @default undefined
   * (none: callers share the budget by fair queuing, and a caller alone may use all of it)
   */
  callerMaxShare: number | undefined;
  /** Origins allowed cross-origin; `['*']` for any. @default ['*'] outside production, none in production */
  corsOrigins: readonly string[];
  /** Answer introspection queries. @default true outside production, false in production */
  introspection: boolean;
  /** Operations per batched request; 0 refuses batches. @default 0 */
  batchingLimit: number;
  /** Accept only the operations in schema/operations. @default false */
  persistedOperationsOnly: boolean;
  /** Proxies trusted to append to X-Forwarded-For: a hop count or their addresses. @default { hops: 0 } (none) */
  trustProxy: TrustedProxies;
  /** Connection limits of the HTTP server: timeouts, the connection cap, the header size. */
  http: HttpServerLimits;
  /**
   * Memory request bodies may hold at once, beyond each one's first 64 KiB. @default an eighth of the V8 heap
   * limit, from 16 MiB to 268435456 (256 MiB)
   */
  maxHeldBodyBytes: number;
  /** How long SIGTERM waits for in-flight and queued requests. @default 10000 */
  shutdownTimeoutMs: number;
  /** Redis holding the per-action budget shared by all replicas; unset: each process owns the whole budget. */
  sharedBudgetRedisUrl: string | undefined;
}

/** 256 MiB: an answer is held whole in memory, so a few concurrent ones must still fit a small container. */
const MAX_UPSTREAM_RESPONSE_BYTES = 256 * 1024 * 1024;

/** More proxies than this in front of one service is a misconfiguration, not an architecture. */
const MAX_TRUSTED_PROXY_HOPS = 10;

/** Thirty days: past that a bearer token is a standing credential, which API keys already serve better. */
const MAX_JWT_LIFETIME_SECONDS = 30 * 86_400;
/** Five minutes: more skew than that is a broken clock, and tolerating it would stretch every token's life. */
const MAX_JWT_CLOCK_TOLERANCE_SECONDS = 300;

/**
 * Highest FACEID_RATE_LIMIT accepted: far above any FaceID quota (20/s by default), while bounding what the throttle
 * keeps per action (the latest `limit` slots and one window's grants: a few MB at 10,000).
 */
export const MAX_RATE_LIMIT_PER_SECOND = 10_000;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Start-up refusal: lists every problem found, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIGURATION';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** What the process itself brings to the configuration's defaults. */
export interface RuntimeFacts {
  /** The V8 heap limit (`v8.getHeapStatistics().heap_size_limit`): sizes the default held-body budget. @default none: the largest default */
  heapLimitBytes?: number | undefined;
}

/** Reads the configuration from `env` (normally `process.env`). Throws ConfigError listing every problem. */
export function loadConfig(env: Environment, runtime: RuntimeFacts = {}): Config {
  const problems: string[] = [];
  const read = (name: ConfigVariable): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: ConfigVariable, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: ConfigVariable, allowed: readonly T[], fallback: T | undefined): T | undefined => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

  const production = read('NODE_ENV') === 'production';
  const port = integer('PORT', 4000, 0, 65535);
  const host = read('HOST') ?? '0.0.0.0';
  const healthPort = read('HEALTH_PORT') === undefined ? undefined : integer('HEALTH_PORT', 0, 0, 65535);
  if (healthPort !== undefined && healthPort !== 0 && healthPort === port) problems.push(`HEALTH_PORT must differ from PORT (both ${port})`);
  const region = oneOf('TENCENTCLOUD_REGION', FACEID_REGIONS, 'ap-singapore') as FaceIdRegion;
  const language = oneOf('FACEID_LANGUAGE', ['en-US', 'zh-CN'] as const, undefined);
  const rateLimitPerSecond = integer('FACEID_RATE_LIMIT', 20, 1, MAX_RATE_LIMIT_PER_SECOND);
  const maxQueueWaitMs = integer('FACEID_MAX_QUEUE_WAIT_MS', 2000, 0, 60_000);
  const attemptTimeoutMs = integer('FACEID_ATTEMPT_TIMEOUT_MS', 5000, 100, 120_000);
  const totalTimeoutMs = integer('FACEID_TIMEOUT_MS', 15_000, 100, 300_000);
  const maxRetries = integer('FACEID_MAX_RETRIES', 2, 0, 10);
  const maxUpstreamResponseBytes = integer('FACEID_MAX_RESPONSE_BYTES', DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES, 1024, MAX_UPSTREAM_RESPONSE_BYTES);
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info') as LogLevel;
  const flag = (name: ConfigVariable, fallback: boolean) => oneOf(name, ['true', 'false'] as const, fallback ? 'true' : 'false') === 'true';
  const persistedOperationsOnly = flag('PERSISTED_OPERATIONS_ONLY', false);
  // GraphiQL sends query text and reads the schema by introspection: off by default where either is refused.
  const introspection = flag('INTROSPECTION', !production);
  const graphiql = flag('GRAPHIQL', !production && !persistedOperationsOnly && introspection);
  if (graphiql && !introspection) problems.push('GRAPHIQL=true needs INTROSPECTION=true: GraphiQL reads the schema by introspection');
  if (graphiql && persistedOperationsOnly) {
    problems.push('GRAPHIQL=true cannot work with PERSISTED_OPERATIONS_ONLY=true: GraphiQL sends query text, which that mode refuses');
  }
  const callerSharePercent = read('FACEID_CALLER_MAX_SHARE_PERCENT') === undefined ? undefined : integer('FACEID_CALLER_MAX_SHARE_PERCENT', 100, 1, 100);
  const retiredShare = read('CALLER_MAX_SHARE_PERCENT');
  // 100 asked for no per-caller limit, which is now the default. Any other value asked for a cap: ignoring it would
  // silently lift it, and honouring it under the old name would hide that its meaning changed.
  if (retiredShare !== undefined && retiredShare !== '100') {
    problems.push(
      'CALLER_MAX_SHARE_PERCENT is no longer read: callers now share the budget by fair queuing; for a hard cap per caller set FACEID_CALLER_MAX_SHARE_PERCENT',
    );
  }
  const corsOrigins = readCorsOrigins(read('CORS_ORIGINS'), production, problems);
  const batchingLimit = integer('GRAPHQL_BATCHING_LIMIT', 0, 0, 20);
  const trustProxy = readTrustProxy(read('TRUST_PROXY'), problems);
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000);
  const http: HttpServerLimits = {
    headersTimeoutMs: integer('HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HEADERS_TIMEOUT_MS, 1000, 120_000),
    requestTimeoutMs: integer('HTTP_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, 1000, 600_000),
    idleTimeoutMs: integer('HTTP_IDLE_TIMEOUT_MS', DEFAULT_IDLE_TIMEOUT_MS, 1000, 600_000),
    keepAliveTimeoutMs: integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 100, 600_000),
    maxConnections: integer('HTTP_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
    maxHeaderBytes: integer('HTTP_MAX_HEADER_BYTES', DEFAULT_MAX_HEADER_BYTES, 1024, 65_536),
    minBodyBytesPerSecond: integer('HTTP_MIN_BODY_BYTES_PER_SECOND', DEFAULT_MIN_BODY_BYTES_PER_SECOND, 0, 1_048_576),
  };
  const maxHeldBodyBytes = integer(
    'HTTP_MAX_HELD_BODY_BYTES',
    runtime.heapLimitBytes === undefined ? DEFAULT_MAX_HELD_BODY_BYTES : defaultMaxHeldBodyBytes(runtime.heapLimitBytes),
    MIN_MAX_HELD_BODY_BYTES,
    64 * 2 ** 30,
  );
  const sharedBudgetRedisUrl = read('FACEID_SHARED_BUDGET_REDIS_URL');
  if (sharedBudgetRedisUrl !== undefined && !(URL.canParse(sharedBudgetRedisUrl) && ['redis:', 'rediss:'].includes(new URL(sharedBudgetRedisUrl).protocol))) {
    // The URL may carry a password: name the variable, never its value.
    problems.push('FACEID_SHARED_BUDGET_REDIS_URL must be a redis:// or rediss:// URL');
  }
  const jwtLimits = {
    maxLifetimeSeconds: integer('AUTH_JWT_MAX_LIFETIME_SECONDS', DEFAULT_JWT_MAX_LIFETIME_SECONDS, 60, MAX_JWT_LIFETIME_SECONDS),
    clockToleranceSeconds: integer('AUTH_JWT_CLOCK_TOLERANCE_SECONDS', DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS, 0, MAX_JWT_CLOCK_TOLERANCE_SECONDS),
  };
  const auth = readAuth(read, jwtLimits, flag('ALLOW_UNAUTHENTICATED', false), production, problems);

  if (attemptTimeoutMs > totalTimeoutMs) {
    problems.push(`FACEID_ATTEMPT_TIMEOUT_MS (${attemptTimeoutMs}) must not exceed FACEID_TIMEOUT_MS (${totalTimeoutMs})`);
  }
  if (maxQueueWaitMs >= totalTimeoutMs) {
    problems.push(`FACEID_MAX_QUEUE_WAIT_MS (${maxQueueWaitMs}) must be less than FACEID_TIMEOUT_MS (${totalTimeoutMs})`);
  }

  if (http.headersTimeoutMs >= http.requestTimeoutMs) {
    problems.push(`HTTP_HEADERS_TIMEOUT_MS (${http.headersTimeoutMs}) must be less than HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`);
  }
  // A request waiting for Tencent sends nothing: an idle timeout shorter than that wait would cut it.
  if (http.idleTimeoutMs <= totalTimeoutMs) {
    problems.push(`HTTP_IDLE_TIMEOUT_MS (${http.idleTimeoutMs}) must be more than FACEID_TIMEOUT_MS (${totalTimeoutMs})`);
  }
  if (http.keepAliveTimeoutMs > http.idleTimeoutMs) {
    problems.push(`HTTP_KEEP_ALIVE_TIMEOUT_MS (${http.keepAliveTimeoutMs}) must not exceed HTTP_IDLE_TIMEOUT_MS (${http.idleTimeoutMs})`);
  }

  const upstream = readUpstream(read, production, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    healthPort,
    production,
    upstream,
    region,
    language,
    rateLimitPerSecond,
    maxQueueWaitMs,
    attemptTimeoutMs,
    totalTimeoutMs,
    maxRetries,
    maxUpstreamResponseBytes,
    logLevel,
    graphiql,
    auth,
    callerMaxShare: callerSharePercent === undefined ? undefined : callerSharePercent / 100,
    corsOrigins,
    introspection,
    batchingLimit,
    persistedOperationsOnly,
    trustProxy,
    http,
    maxHeldBodyBytes,
    shutdownTimeoutMs,
    sharedBudgetRedisUrl,
  };
}

function readTrustProxy(raw: string | undefined, problems: string[]): TrustedProxies {
  if (raw === undefined || raw === 'false' || raw === '0') return NO_TRUSTED_PROXIES;
  if (raw === 'true') {
    // `true` used to believe the left-most X-Forwarded-For entry, which the client writes: refuse it rather than
    // guess how many proxies there are.
    problems.push(
      'TRUST_PROXY=true is no longer accepted (it let clients forge their address): set the number of proxies in front of the gateway (e.g. TRUST_PROXY=1) or their addresses/CIDR ranges (e.g. TRUST_PROXY=10.0.0.0/8,loopback)',
    );
    return NO_TRUSTED_PROXIES;
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > MAX_TRUSTED_PROXY_HOPS) problems.push(`TRUST_PROXY as a hop count must be from 0 to ${MAX_TRUSTED_PROXY_HOPS}, got "${raw}"`);
    return { hops: Math.min(hops, MAX_TRUSTED_PROXY_HOPS) };
  }
  const addresses = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of addresses) {
    try {
      checkTrustedProxyEntry(entry);
    } catch {
      problems.push(`TRUST_PROXY entries must be IP addresses, CIDR ranges, loopback, linklocal or uniquelocal, got "${entry}"`);
    }
  }
  return { addresses };
}

function readCorsOrigins(raw: string | undefined, production: boolean, problems: string[]): readonly string[] {
  if (raw === undefined) return production ? [] : ['*'];
  const origins = raw.split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || url.origin !== origin) {
      problems.push(`CORS_ORIGINS entries must be origins like https://app.example.com (scheme, host, optional port), got "${origin}"`);
    }
  }
  return origins;
}

function readAuth(
  read: (name: ConfigVariable) => string | undefined,
  jwtLimits: Pick<JwtSettings, 'maxLifetimeSeconds' | 'clockToleranceSeconds'>,
  allowUnauthenticated: boolean,
  production: boolean,
  problems: string[],
): AuthSettings {
  const secret = read('AUTH_JWT_SECRET');
  const jwksUrl = read('AUTH_JWKS_URL');
  const issuer = read('AUTH_JWT_ISSUER');
  const audience = read('AUTH_JWT_AUDIENCE');
  const apiKeysRaw = read('AUTH_API_KEYS');

  let jwt: JwtSettings | undefined;
  if (secret !== undefined || jwksUrl !== undefined) {
    if (secret !== undefined && jwksUrl !== undefined) problems.push('set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
    if (secret !== undefined && Buffer.byteLength(secret) < 32) {
      problems.push('AUTH_JWT_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash)');
    }
    if (jwksUrl !== undefined) {
      const url = URL.canParse(jwksUrl) ? new URL(jwksUrl) : undefined;
      // Not repeated: its credentials or query may hold a secret (the JWKS fetcher never logs them either). fetch
      // refuses a URL with credentials, so one here would fail every token at every request rather than at start.
      if (!url || !['http:', 'https:'].includes(url.protocol)) problems.push('AUTH_JWKS_URL must be an http(s) URL (its value is not repeated here)');
      else if (url.username || url.password) problems.push('AUTH_JWKS_URL must carry no user name or password: fetch refuses such URLs (its value is not repeated here)');
    }
    if (issuer === undefined) problems.push('AUTH_JWT_ISSUER is required with JWT authentication (the "iss" every token must carry)');
    if (audience === undefined) problems.push('AUTH_JWT_AUDIENCE is required with JWT authentication (the "aud" every token must carry)');
    jwt = { secret, jwksUrl, issuer: issuer ?? '', audience: audience ?? '', ...jwtLimits };
  } else if (issuer !== undefined || audience !== undefined) {
    problems.push('AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE need AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }
  const apiKeys = apiKeysRaw === undefined ? [] : parseApiKeys(apiKeysRaw, problems);

  if (jwt === undefined && apiKeys.length === 0) {
    if (production && !allowUnauthenticated) {
      problems.push(
        'no authentication is configured: set AUTH_JWT_SECRET or AUTH_JWKS_URL (with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE) and/or AUTH_API_KEYS, or set ALLOW_UNAUTHENTICATED=true to run an open gateway',
      );
    }
    return { mode: 'open' };
  }
  return { mode: 'required', jwt, apiKeys };
}

const API_KEYS_FORMAT = 'AUTH_API_KEYS must be a JSON array of {"name": "...", "sha256": "<64 hex digits>", "scopes": ["faceid:selfie", "faceid:ekyc"]}';

function parseApiKeys(raw: string, problems: string[]): ApiKeyEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`${API_KEYS_FORMAT}; it is not JSON`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(API_KEYS_FORMAT);
    return [];
  }
  const entries: ApiKeyEntry[] = [];
  parsed.forEach((item: unknown, index) => {
    const entry = item as Partial<Record<'name' | 'sha256' | 'scopes', unknown>> | null;
    const where = `AUTH_API_KEYS[${index}]`;
    if (typeof entry !== 'object' || entry === null) return problems.push(`${where}: ${API_KEYS_FORMAT}`);
    const { name, sha256, scopes } = entry;
    if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) return problems.push(`${where}.name must be 1–64 letters, digits, _ . or -`);
    // Never echo the value: a key pasted here by mistake must not reach the log.
    if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
      return problems.push(`${where}.sha256 must be the SHA-256 of the key in hex (64 digits), not the key itself`);
    }
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((scope) => typeof scope === 'string' && ALL_SCOPES.includes(scope))) {
      return problems.push(`${where}.scopes must list one or more of ${ALL_SCOPES.join(', ')}`);
    }
    if (entries.some((other) => other.name === name)) return problems.push(`${where}.name "${name}" is used twice`);
    // One key would authenticate as whichever entry came last, with its scopes.
    const twin = entries.find((other) => other.sha256 === sha256.toLowerCase());
    if (twin) return problems.push(`${where}.sha256 is the same as that of "${twin.name}": each key needs an entry of its own`);
    entries.push({ name, sha256: sha256.toLowerCase(), scopes });
    return undefined;
  });
  return entries;
}

function readUpstream(
  read: (name: ConfigVariable) => string | undefined,
  production: boolean,
  problems: string[],
): UpstreamConfig {
  const secretId = read('TENCENTCLOUD_SECRET_ID');
  const secretKey = read('TENCENTCLOUD_SECRET_KEY');
  const sessionToken = read('TENCENTCLOUD_SESSION_TOKEN');
  const tokenAlias = read('TENCENTCLOUD_TOKEN');
  const endpointRaw = read('FACEID_ENDPOINT');

  if (sessionToken !== undefined && tokenAlias !== undefined && sessionToken !== tokenAlias) {
    problems.push('TENCENTCLOUD_SESSION_TOKEN and TENCENTCLOUD_TOKEN are both set and differ; set only one');
  }
  if (secretId === undefined && secretKey === undefined) {
    if (production) {
      problems.push(
        'TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are required when NODE_ENV=production (the built-in emulator never serves production)',
      );
    } else if (endpointRaw !== undefined) {
      problems.push(
        'FACEID_ENDPOINT is set but TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not: set the credentials, or unset FACEID_ENDPOINT to use the built-in emulator',
      );
    } else if (sessionToken !== undefined || tokenAlias !== undefined) {
      problems.push('a session token is set without TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY');
    }
    return { mode: 'emulator' };
  }
  if (secretId === undefined) problems.push('TENCENTCLOUD_SECRET_ID is required when TENCENTCLOUD_SECRET_KEY is set');
  if (secretKey === undefined) problems.push('TENCENTCLOUD_SECRET_KEY is required when TENCENTCLOUD_SECRET_ID is set');

  let endpoint = FACEID_DEFAULT_ENDPOINT;
  if (endpointRaw !== undefined) {
    const url = URL.canParse(endpointRaw) ? new URL(endpointRaw) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
      // URL credentials are the one secret an endpoint can carry: never echo them.
      const shown = url?.username || url?.password ? `${url.protocol}//…@${url.host}` : endpointRaw;
      problems.push(`FACEID_ENDPOINT must be an http(s) URL with no path, query or credentials, got "${shown}"`);
    } else {
      endpoint = url.origin;
    }
  }
  return {
    mode: 'tencent',
    endpoint,
    credentials: { secretId: secretId ?? '', secretKey: secretKey ?? '', sessionToken: sessionToken ?? tokenAlias },
  };
}
