/**
 * A gateway wired to a real emulator on 127.0.0.1, with a known key pair, an in-memory log and helpers to run
 * GraphQL through the app (in-process `fetch`) or through a real listening HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDependencies, type GatewayApp } from '../../src/app.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient, type FaceIdClientOptions } from '../../src/faceid/client.js';
import { startFaceIdEmulator, type FaceIdEmulator, type FaceIdEmulatorOptions } from '../../src/emulator/index.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryLog, type MemoryLog } from './memory-log.js';

export const TEST_KEY_PAIR = {
  secretId: 'AKIDgatewayTESTsecretId0000000000001',
  secretKey: 'gatewayTestSecretKey-0123456789abcdef',
} as const;

export interface Harness {
  emulator: FaceIdEmulator;
  faceid: FaceIdClient;
  app: GatewayApp;
  log: MemoryLog;
  /** Runs one GraphQL operation in-process; returns HTTP status, headers and parsed body. */
  graphql(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse>;
  /** Starts a real HTTP server for the app on port 0; returns its /graphql URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  };
  text: string;
}

export interface HarnessOptions {
  client?: Partial<FaceIdClientOptions>;
  emulator?: Partial<FaceIdEmulatorOptions>;
  /** Overrides of the app's dependencies (authentication, limits, GraphiQL …). */
  app?: Partial<AppDependencies>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }], ...options.emulator });
  const log = createMemoryLog();
  const logger = createLogger('debug', log.stream);
  const faceid = createFaceIdClient({
    endpoint: emulator.url,
    region: 'ap-singapore',
    credentials: { ...TEST_KEY_PAIR },
    rateLimitPerSecond: 20,
    maxQueueWaitMs: 2000,
    attemptTimeoutMs: 2000,
    totalTimeoutMs: 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 50 },
    logger,
    ...options.client,
  });
  const app = createApp({
    faceid,
    facts: { upstream: 'EMULATOR', region: 'ap-singapore', rateLimitPerSecond: options.client?.rateLimitPerSecond ?? 20 },
    logger,
    ...options.app,
  });
  const servers: Server[] = [];

  return {
    emulator,
    faceid,
    app,
    log,
    async graphql(query, variables) {
      const response = await app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
    },
    async listen() {
      const server = createServer(app);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      faceid.close();
      await emulator.close();
    },
  };
}

export const SELFIE_MUTATION = /* GraphQL */ `
  mutation Selfie($input: GetSelfieTokenInput!) {
    getSelfieToken(input: $input) { sdkToken requestId expiresAt }
  }
`;

export const EKYC_MUTATION = /* GraphQL */ `
  mutation Ekyc($input: ApplyEkycTokenInput!) {
    applyEkycToken(input: $input) { sdkToken requestId expiresAt }
  }
`;

/** A small valid base64 "JPEG" (the bytes only need to be base64; the emulator does not decode images). */
export const SAMPLE_IMAGE_BASE64 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).toString('base64');
