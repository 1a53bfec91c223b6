/**
 * A gateway wired to a real emulator on 127.0.0.1, with a known key pair, an in-memory log and helpers to run
 * GraphQL through the app (in-process `fetch`) or through a real listening HTTP server.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { afterEach } from 'vitest';
import {
  ApplyEkycTokenDocument,
  GatewayInfoDocument,
  GetSelfieTokenDocument,
  type ApplyEkycTokenInput,
  type GetSelfieTokenInput,
} from '../../schema/generated/graphql.js';
import { createApp, type AppDependencies, type GatewayApp } from '../../src/app.js';
import { DEFAULT_RETRY_POLICY, createFaceIdClient, type FaceIdClient, type FaceIdClientOptions } from '../../src/faceid/client.js';
import { startFaceIdEmulator, type FaceIdEmulator, type FaceIdEmulatorOptions } from '../../src/emulator/index.js';
import { DEFAULT_HTTP_SERVER_LIMITS, createHttpServer } from '../../src/http-server.js';
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
  /**
   * Runs one GraphQL operation in-process; returns HTTP status, headers and parsed body. With a typed document
   * (schema/generated) tsc checks the variables and types `data`; a GraphQLRequest was checked when it was built;
   * a string is for ad-hoc queries such as introspection.
   */
  graphql<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: VariablesArgument<NoInfer<TVariables>>
  ): Promise<GraphQLResponse<TResult>>;
  graphql(request: GraphQLRequest): Promise<GraphQLResponse>;
  graphql(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse>;
  /** Starts a real HTTP server for the app on port 0, with the default connection limits; returns its /graphql URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface GraphQLResponse<TData = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
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
    async graphql(operation: string | DocumentNode | GraphQLRequest, variables?: Record<string, unknown>) {
      const request: GraphQLRequest =
        typeof operation === 'string'
          ? { query: operation, variables }
          : 'query' in operation
            ? operation
            : { query: print(operation), variables };
      const response = await app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify(request),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
    },
    async listen() {
      const server = createHttpServer(app, DEFAULT_HTTP_SERVER_LIMITS);
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

// The clients' own operations (schema/operations/*.graphql, generated by `npm run codegen`): a schema change that
// breaks them fails codegen, and one that changes their variables or results fails tsc in the tests that use them.
export {
  GetSelfieTokenDocument as SELFIE_MUTATION,
  ApplyEkycTokenDocument as EKYC_MUTATION,
  GatewayInfoDocument as GATEWAY_INFO_QUERY,
};

/** The variables argument of a typed document: optional when the operation declares no required variable. */
export type VariablesArgument<TVariables> = {} extends TVariables ? [variables?: TVariables] : [variables: TVariables];

/** A GraphQL-over-HTTP request as it is sent: the JSON body of a POST to /graphql. */
export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
}

/** The request for a typed document, its variables checked by tsc: for `fetch` to a listening gateway or a router. */
export function graphqlRequest<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  ...[variables]: VariablesArgument<NoInfer<TVariables>>
): GraphQLRequest {
  return { query: print(document), variables: variables as Record<string, unknown> | undefined };
}

/** A getSelfieToken request; being checked already, it can share a table with eKYC requests. */
export function selfieTokenRequest(input: GetSelfieTokenInput): GraphQLRequest {
  return graphqlRequest(GetSelfieTokenDocument, { input });
}

/** An applyEkycToken request; being checked already, it can share a table with selfie requests. */
export function ekycTokenRequest(input: ApplyEkycTokenInput): GraphQLRequest {
  return graphqlRequest(ApplyEkycTokenDocument, { input });
}

/**
 * A request with variables the schema rejects on purpose (an unknown enum value, a string for an Int): the one
 * way around the type check, for tests of what the gateway does with such input.
 */
export function uncheckedRequest(document: DocumentNode, variables: Record<string, unknown>): GraphQLRequest {
  return { query: print(document), variables };
}

/** A small valid base64 "JPEG" (the bytes only need to be base64; the emulator does not decode images). */
export const SAMPLE_IMAGE_BASE64 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).toString('base64');

/**
 * For files where each test starts its own harness: returns a `start(options)` and closes whatever it started
 * after every test, so no emulator or socket outlives its test.
 */
export function harnessPerTest(): (options?: HarnessOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    current = await startHarness(options);
    return current;
  };
}
