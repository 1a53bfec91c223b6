/**
 * Assembles the GraphQL app from the modules that own each concern: schema, authentication, protection, the
 * error contract, logs and metrics. No environment, no port: the process (server.ts) and the tests both get the
 * same app from createApp.
 */
import type { ServerResponse } from 'node:http';
import type { DocumentNode } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { createAuthenticator, type Authenticate } from './auth/authenticate.js';
import type { Caller, GatewayFacts, GatewayServices } from './context.js';
import { useClientClosedRequests, useErrorContract, useVariableErrorCodes } from './error-contract.js';
import { DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES, type FaceIdClient } from './faceid/client.js';
import { MAX_IMAGE_BASE64_LENGTH } from './faceid/requests.js';
import { graphiqlOptions } from './graphiql.js';
import { createMetrics, useMetricsEndpoint, type GatewayMetrics } from './observability/metrics.js';
import { READINESS_ENDPOINT, useReadiness } from './observability/readiness.js';
import { createRequestTracker } from './observability/request-log.js';
import { NO_TRUSTED_PROXIES, createClientAddressOf, type NodeServerContext, type TrustedProxies } from './protection/client-address.js';
import { corsPolicy, useVaryOnOrigin } from './protection/cors.js';
import { useCsrfPrevention } from './protection/csrf.js';
import { useHeaderCountLimit } from './protection/header-count.js';
import { MAX_HEADERS_COUNT } from './http-server.js';
import { createAnswerHolds } from './protection/held-answers.js';
import { useAcceptableAnswers } from './protection/acceptable-answers.js';
import { useSupportedMediaTypes } from './protection/media-types.js';
import { useOperationChoice } from './protection/operation-choice.js';
import { useSearchParamsJson } from './protection/search-params.js';
import { useWebSocketUpgradeRefusal } from './protection/websocket-upgrade.js';
import { createDocumentCaches, useDocumentLimits } from './protection/document-limits.js';
import { useValidationRules } from './protection/introspection.js';
import { usePersistedOperationsOnly, usePersistedQueriesNotSupported } from './protection/persisted-operations.js';
import { useResultResponsePolicy } from './protection/result-responses.js';
import { DEFAULT_MAX_HELD_BODY_BYTES, UNBUDGETED_BODY_BYTES, createHeldBodyBudget, createHeldBodyShares } from './protection/bounded-body.js';
import { useRequestBodyLimit } from './protection/request-body-limit.js';
import { useVariablesLimits } from './protection/variables-limits.js';
import { refusal } from './errors.js';
import { SCOPES } from './schema/builder.js';
import { RESULT_TYPE_NAMES, createSchema } from './schema/index.js';

export type { NodeServerContext } from './protection/client-address.js';

/** The request body limit: the largest allowed image plus room for the rest of a request. */
export const MAX_REQUEST_BODY_BYTES = MAX_IMAGE_BASE64_LENGTH + 64 * 1024;
/** Where the GraphQL API is served. */
export const GRAPHQL_ENDPOINT = '/graphql';
/** The orchestrator's probes, liveness and readiness: they take turns with waiting requests, and HEALTH_PORT serves them. */
export const HEALTH_PROBE_PATHS: ReadonlySet<string> = new Set(['/health', READINESS_ENDPOINT]);
/** Paths polled by orchestrators and scrapers, every few seconds: neither logged nor counted as requests. */
const PROBE_PATHS: ReadonlySet<string> = new Set([...HEALTH_PROBE_PATHS, '/metrics']);

export interface AppDependencies {
  faceid: FaceIdClient;
  facts: GatewayFacts;
  logger: Logger;
  /** Serve GraphiQL on GET /graphql. @default false */
  graphiql?: boolean;
  /** Who may call. @default everyone may use every operation (an open gateway) */
  authenticate?: Authenticate;
  /** @default a fresh registry */
  metrics?: GatewayMetrics;
  /** Origins allowed cross-origin; `*` for any; empty for none. @default ['*'] */
  corsOrigins?: readonly string[];
  /** @default true */
  introspection?: boolean;
  /** Operations per batched request; 0 refuses batches. @default 0 */
  batchingLimit?: number;
  /** When set, only these operations run, by SHA-256 of their printed text (Apollo `persistedQuery` extension). */
  persistedOperations?: ReadonlyMap<string, DocumentNode> | undefined;
  /** Proxies trusted to append to X-Forwarded-For. @default none: the socket's peer is the caller */
  trustProxy?: TrustedProxies;
  /** Readiness for /ready. @default always ready */
  isReady?: () => boolean;
  /** Memory request bodies may hold at once, beyond each one's first 64 KiB. @default DEFAULT_MAX_HELD_BODY_BYTES */
  maxHeldBodyBytes?: number;
  /**
   * The largest answer Tencent may send (FACEID_MAX_RESPONSE_BYTES): a caller's share of the held-body budget always
   * has room for one such answer. @default DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES
   */
  maxUpstreamResponseBytes?: number;
}

export type GatewayApp = YogaServerInstance<NodeServerContext, GatewayServices>;

/** Builds the yoga app. */
export function createApp(dependencies: AppDependencies): GatewayApp {
  const { faceid, facts, logger, graphiql = false, introspection = true, batchingLimit = 0, trustProxy = NO_TRUSTED_PROXIES } = dependencies;
  const authenticate = dependencies.authenticate ?? createAuthenticator({ mode: 'open' });
  const metrics = dependencies.metrics ?? createMetrics();
  const isReady = dependencies.isReady ?? (() => true);
  const clientAddressOf = createClientAddressOf(trustProxy);
  metrics.watchThrottles(faceid.throttles);
  const tracker = createRequestTracker({ logger: logger.child({ component: 'http' }), metrics, probePaths: PROBE_PATHS });

  const plugins: Plugin[] = [
    tracker.plugin,
    useMetricsEndpoint(metrics),
    useReadiness(isReady),
    useHeaderCountLimit(MAX_HEADERS_COUNT),
    useCsrfPrevention(),
    useWebSocketUpgradeRefusal(),
    useVariablesLimits(),
    useDocumentLimits(),
    useOperationChoice(),
    useValidationRules(introspection),
    useVariableErrorCodes(),
    useClientClosedRequests(),
    useErrorContract({ suggestions: introspection }),
    useResultResponsePolicy(RESULT_TYPE_NAMES),
  ];
  plugins.push(dependencies.persistedOperations ? usePersistedOperationsOnly(dependencies.persistedOperations) : usePersistedQueriesNotSupported());
  // After every plugin that might choose the request parser, and before the body bound, which hands it the body.
  plugins.push(useAcceptableAnswers(), useSupportedMediaTypes(), useSearchParamsJson());
  // One budget for what request bodies and Tencent's (result) answers hold until each request is answered.
  const heldBodies = createHeldBodyBudget(dependencies.maxHeldBodyBytes ?? DEFAULT_MAX_HELD_BODY_BYTES);
  metrics.watchHeldBodies(heldBodies);
  // Each caller holds at most its share of that budget, so one who may mint cannot keep it full for the others.
  const heldBodyShares = createHeldBodyShares(heldBodies);
  const largestHeldBody = MAX_REQUEST_BODY_BYTES - UNBUDGETED_BODY_BYTES;
  const largestHeldAnswer = (dependencies.maxUpstreamResponseBytes ?? DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES) - UNBUDGETED_BODY_BYTES;
  const answerHolds = createAnswerHolds(heldBodies, (callerId) => heldBodyShares.of(callerId, largestHeldAnswer));
  // Authenticated once per request: before a large body is read (only a caller who may mint can send an image),
  // and for the context; the request line names the caller either way.
  const callers = new WeakMap<Request, Promise<Caller>>();
  const callerOf = (request: Request, serverContext: object): Promise<Caller> => {
    let caller = callers.get(request);
    if (!caller) {
      caller = authenticate(request, () => clientAddressOf(request, serverContext as NodeServerContext)).then((known) => {
        tracker.setCaller(request, known.id);
        return known;
      });
      callers.set(request, caller);
    }
    return caller;
  };
  const largeBodyRefusal = async (request: Request, serverContext: unknown) => {
    const caller = await callerOf(request, serverContext as object);
    if (caller.scopes.has(SCOPES.selfie) || caller.scopes.has(SCOPES.ekyc)) return undefined;
    const needs = `A request body over ${UNBUDGETED_BODY_BYTES} bytes (an image) needs credentials that may mint tokens`;
    return caller.authenticated
      ? refusal('FORBIDDEN', `${needs}: these lack the faceid:selfie and faceid:ekyc scopes.`)
      : refusal('UNAUTHENTICATED', `${needs}: send Authorization: Bearer <token> or x-api-key.`, { headers: { 'WWW-Authenticate': 'Bearer' } });
  };
  // After every plugin that might choose the request parser: the bound wraps whichever parser is chosen.
  plugins.push(
    useRequestBodyLimit(MAX_REQUEST_BODY_BYTES, {
      budget: heldBodies,
      countRejection: metrics.countRejection,
      largeBodyRefusal,
      budgetFor: async (request, serverContext) => heldBodyShares.of((await callerOf(request, serverContext as object)).id, largestHeldBody),
    }),
    answerHolds.plugin,
  );

  const { plugins: graphiqlPlugins, ...graphiqlSettings } = graphiqlOptions(graphiql);
  plugins.push(...graphiqlPlugins);
  const corsOrigins = dependencies.corsOrigins ?? ['*'];
  if (corsOrigins.length > 0) plugins.push(useVaryOnOrigin());

  return createYoga<NodeServerContext, GatewayServices>({
    schema: createSchema(),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    ...graphiqlSettings,
    logging: logger.child({ component: 'yoga' }),
    // useRequestBodyLimit bounds the body without yoga's per-request stream.
    maxRequestBodySize: false,
    parserAndValidationCache: createDocumentCaches(),
    batching: batchingLimit > 0 ? { limit: batchingLimit } : false,
    cors: corsPolicy(corsOrigins),
    context: async ({ request, ...serverContext }) => {
      const trace = tracker.traceOf(request);
      const caller = await callerOf(request, serverContext);
      const holdAnswer = answerHolds.holdFor(request, (serverContext as { res?: ServerResponse }).res, caller.id);
      return { faceid, facts, caller, trace, holdAnswer };
    },
    plugins,
  });
}
