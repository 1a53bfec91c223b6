/**
 * Wires a configuration into a running gateway: the upstream (Tencent, or the built-in emulator started in this
 * process), the FaceID client and the app. Still no port and no signals: server.ts owns those.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createApp, type GatewayApp } from './app.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { Config } from './config.js';
import type { GatewayFacts } from './context.js';
import { startFaceIdEmulator, type FaceIdEmulator } from './emulator/index.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient, type FaceIdCredentials } from './faceid/client.js';
import { FACEID_DEFAULT_ENDPOINT } from './faceid/wire.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { loadPersistedOperations } from './protection/persisted-operations.js';

/** How long start-up waits for the shared budget's Redis. */
const SHARED_BUDGET_CONNECT_TIMEOUT_MS = 3000;

/** The committed example operations: the allowlist of persisted-operations mode. */
export const OPERATIONS_DIRECTORY = fileURLToPath(new URL('../schema/operations', import.meta.url));

export interface Gateway {
  app: GatewayApp;
  faceid: FaceIdClient;
  facts: GatewayFacts;
  /** The in-process emulator, in emulator mode. */
  emulator: FaceIdEmulator | undefined;
  metrics: GatewayMetrics;
  /** False once shutdown has begun: /ready answers 503 so load balancers stop sending. */
  setReady(ready: boolean): void;
  /** Releases sockets, disconnects from Redis and stops the emulator. */
  close(): Promise<void>;
}

/** Starts the upstream side of the gateway and builds the app. */
export async function createGateway(config: Config, logger: Logger): Promise<Gateway> {
  let endpoint: string;
  let credentials: FaceIdCredentials;
  let emulator: FaceIdEmulator | undefined;
  if (config.upstream.mode === 'emulator') {
    // A fresh random key pair per start: the embedded emulator accepts nothing but this process.
    credentials = { secretId: `AKIDEMULATOR${randomBytes(12).toString('hex')}`, secretKey: randomBytes(24).toString('hex') };
    emulator = await startFaceIdEmulator({ keyPairs: [credentials], rateLimitPerSecond: 20 });
    endpoint = emulator.url;
    logger.warn(
      { emulatorUrl: emulator.url },
      'EMULATOR MODE: no TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY given, so tokens come from the built-in FaceID emulator. They are fake: the real Tencent SDK rejects them. Set the credentials to use Tencent Cloud.',
    );
  } else {
    endpoint = config.upstream.endpoint;
    credentials = config.upstream.credentials;
  }

  const metrics = createMetrics();
  // Imported only when configured: ioredis is a large module that most gateways never use; loading it at every
  // start cost about 90 of the 585 ms to /health (medians of nine starts) and 7 MB of idle memory.
  const sharedBudget =
    config.sharedBudgetRedisUrl === undefined
      ? undefined
      : (await import('./faceid/shared-budget.js')).createRedisSharedBudget({
          url: config.sharedBudgetRedisUrl,
          logger: logger.child({ component: 'shared-budget' }),
          onUnavailable: metrics.countSharedBudgetUnavailable,
        });
  // Start with the shared budget in force when Redis answers soon; otherwise start anyway, failing open, as the
  // budget does whenever Redis is away (logged and counted).
  if (sharedBudget && !(await sharedBudget.ready(SHARED_BUDGET_CONNECT_TIMEOUT_MS))) {
    logger.warn({ timeoutMs: SHARED_BUDGET_CONNECT_TIMEOUT_MS }, 'shared budget: Redis did not answer at start-up; starting on the local limit');
  }
  const faceid = createFaceIdClient({
    endpoint,
    region: config.region,
    credentials,
    language: config.language,
    rateLimitPerSecond: config.rateLimitPerSecond,
    maxQueueWaitMs: config.maxQueueWaitMs,
    attemptTimeoutMs: config.attemptTimeoutMs,
    totalTimeoutMs: config.totalTimeoutMs,
    maxResponseBytes: config.maxUpstreamResponseBytes,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: config.maxRetries },
    logger: logger.child({ component: 'faceid' }),
    throttle: { callerMaxShare: config.callerMaxShare },
    sharedBudget,
    observer: metrics.clientObserver,
  });
  const facts: GatewayFacts = {
    upstream: emulator ? 'EMULATOR' : endpoint === FACEID_DEFAULT_ENDPOINT ? 'TENCENT_CLOUD' : 'CUSTOM_ENDPOINT',
    region: config.region,
    rateLimitPerSecond: config.rateLimitPerSecond,
  };
  let ready = true;
  const app = createApp({
    faceid,
    facts,
    logger,
    graphiql: config.graphiql,
    authenticate: createAuthenticator(config.auth, { logger: logger.child({ component: 'auth' }) }),
    metrics,
    corsOrigins: config.corsOrigins,
    introspection: config.introspection,
    batchingLimit: config.batchingLimit,
    maxHeldBodyBytes: config.maxHeldBodyBytes,
    maxUpstreamResponseBytes: config.maxUpstreamResponseBytes,
    persistedOperations: config.persistedOperationsOnly ? loadPersistedOperations(OPERATIONS_DIRECTORY) : undefined,
    trustProxy: config.trustProxy,
    isReady: () => ready,
  });
  if (config.auth.mode === 'open') {
    logger.warn('OPEN GATEWAY: no authentication is configured, so anyone who reaches it can mint tokens.');
  }
  return {
    app,
    faceid,
    facts,
    emulator,
    metrics,
    setReady(value) {
      ready = value;
    },
    async close() {
      faceid.close();
      await sharedBudget?.close();
      await emulator?.close();
    },
  };
}
