/**
 * Configuration, read from the environment once, at start-up. Every variable, its default and its check live
 * here; a bad value is reported together with every other bad value, and never echoes a secret.
 */
import { FACEID_DEFAULT_ENDPOINT, FACEID_REGIONS, type FaceIdRegion } from './faceid/wire.js';
import type { FaceIdCredentials } from './faceid/client.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Where tokens come from: Tencent (or any endpoint speaking its protocol), or the built-in emulator. */
export type UpstreamConfig =
  | { mode: 'tencent'; endpoint: string; credentials: FaceIdCredentials }
  | { mode: 'emulator' };

export interface Config {
  /** @default 4000 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
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
  /** @default 'info' */
  logLevel: LogLevel;
  /** Serve GraphiQL on GET /graphql. @default true outside production, false in production */
  graphiql: boolean;
}

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

/** Reads the configuration from `env` (normally `process.env`). Throws ConfigError listing every problem. */
export function loadConfig(env: Environment): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T | undefined): T | undefined => {
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
  const region = oneOf('TENCENTCLOUD_REGION', FACEID_REGIONS, 'ap-singapore') as FaceIdRegion;
  const language = oneOf('FACEID_LANGUAGE', ['en-US', 'zh-CN'] as const, undefined);
  const rateLimitPerSecond = integer('FACEID_RATE_LIMIT', 20, 1, 1000);
  const maxQueueWaitMs = integer('FACEID_MAX_QUEUE_WAIT_MS', 2000, 0, 60_000);
  const attemptTimeoutMs = integer('FACEID_ATTEMPT_TIMEOUT_MS', 5000, 100, 120_000);
  const totalTimeoutMs = integer('FACEID_TIMEOUT_MS', 15_000, 100, 300_000);
  const maxRetries = integer('FACEID_MAX_RETRIES', 2, 0, 10);
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info') as LogLevel;
  const graphiql = oneOf('GRAPHIQL', ['true', 'false'] as const, production ? 'false' : 'true') === 'true';

  if (attemptTimeoutMs > totalTimeoutMs) {
    problems.push(`FACEID_ATTEMPT_TIMEOUT_MS (${attemptTimeoutMs}) must not exceed FACEID_TIMEOUT_MS (${totalTimeoutMs})`);
  }
  if (maxQueueWaitMs >= totalTimeoutMs) {
    problems.push(`FACEID_MAX_QUEUE_WAIT_MS (${maxQueueWaitMs}) must be less than FACEID_TIMEOUT_MS (${totalTimeoutMs})`);
  }

  const upstream = readUpstream(read, production, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    production,
    upstream,
    region,
    language,
    rateLimitPerSecond,
    maxQueueWaitMs,
    attemptTimeoutMs,
    totalTimeoutMs,
    maxRetries,
    logLevel,
    graphiql,
  };
}

function readUpstream(
  read: (name: string) => string | undefined,
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
