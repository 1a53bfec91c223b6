/**
 * The GraphQL app: schema, context, error policy, authentication, request hardening, logs and metrics. No
 * environment, no port: the process (server.ts) and the tests both get the same app from createApp.
 */
import type { IncomingMessage } from 'node:http';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type DocumentNode, type ValidationRule } from 'graphql';
import { createYoga, useReadinessCheck, type Plugin, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
import type { Logger } from 'pino';
import { API_KEY_HEADER, createAuthenticator, type Authenticate } from './auth/authenticate.js';
import type { GatewayFacts, GatewayServices } from './context.js';
import type { FaceIdClient } from './faceid/client.js';
import { MAX_IMAGE_BASE64_LENGTH } from './faceid/requests.js';
import { graphiqlOptions } from './graphiql.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { REQUEST_ID_HEADER, createRequestTracker } from './observability/request-log.js';
import { CSRF_HEADER, useCsrfPrevention } from './protection/csrf.js';
import { OperationLimitsRule } from './protection/operation-limits.js';
import { useResultResponsePolicy } from './protection/result-responses.js';
import { RESULT_TYPE_NAMES, createSchema } from './schema/index.js';

/** The request body limit: the largest allowed image plus room for the rest of a request. */
export const MAX_REQUEST_BODY_BYTES = MAX_IMAGE_BASE64_LENGTH + 64 * 1024;
/** Where the GraphQL API is served. */
export const GRAPHQL_ENDPOINT = '/graphql';

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
  /** Take the client address from the first X-Forwarded-For entry. @default false */
  trustProxy?: boolean;
  /** Readiness for /ready. @default always ready */
  isReady?: () => boolean;
}

/** What node:http hands yoga with each request. */
export interface NodeServerContext {
  req?: IncomingMessage;
}

export type GatewayApp = YogaServerInstance<NodeServerContext, GatewayServices>;

/**
 * Variables that do not fit the schema (an unknown enum value, a string for an Int, a missing required field)
 * stop execution before any resolver runs: the result then has errors and no `data`. graphql-js gives those
 * errors no code; they are the caller's input, so they get the same BAD_USER_INPUT contract as ours.
 */
function useVariableErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length || 'data' in result) return;
          setResult({
            ...result,
            errors: result.errors.map(
              (error) =>
                new GraphQLError(error.message, {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  extensions: { code: 'BAD_USER_INPUT', retryable: false, ...error.extensions, http: { status: 400 } },
                }),
            ),
          });
        },
      };
    },
  };
}

/**
 * A caller that hangs up aborts the execution (yoga cancels it), and its pending fields fail with an AbortError.
 * That is an outcome for the request log, not a bug: give it a code before the error masking would log it.
 */
function useClientClosedRequests(): Plugin {
  const CLIENT_CLOSED = 'CLIENT_CLOSED_REQUEST';
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.some((error) => error.originalError?.name === 'AbortError')) return;
          setResult({
            ...result,
            errors: result.errors.map((error) =>
              error.originalError?.name === 'AbortError'
                ? new GraphQLError('The client closed the request before the operation finished.', {
                    nodes: error.nodes,
                    path: error.path,
                    extensions: { code: CLIENT_CLOSED, retryable: true, http: { status: 499 } },
                  })
                : error,
            ),
          });
        },
      };
    },
  };
}

/**
 * Federation's `{ _service { sdl } }` publishes the whole schema, as introspection does; with introspection off
 * it is refused too, and routers compose from the committed schema/subgraph.graphql.
 */
const NoServiceSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
      context.reportError(
        new GraphQLError('The schema is not published (INTROSPECTION=false): compose from schema/subgraph.graphql instead of querying _service.', {
          nodes: node,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
      );
    }
  },
});

/** Adds the gateway's validation rules: operation limits always; no introspection and no SDL when it is off. */
function useValidationRules(introspection: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(OperationLimitsRule);
      if (!introspection) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
        addValidationRule(NoServiceSdlRule);
      }
    },
  };
}

/** Serves the Prometheus registry on GET /metrics. */
function useMetricsEndpoint(metrics: GatewayMetrics): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }),
      );
    },
  };
}

function clientAddressOf(request: Request, serverContext: NodeServerContext, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return serverContext.req?.socket.remoteAddress ?? 'unknown';
}

/**
 * CORS: only listed origins get an `Access-Control-Allow-Origin`, and it names the caller's own origin (yoga
 * would otherwise send a single configured origin to everyone). No list, no cross-origin access.
 */
function corsPolicy(origins: readonly string[]): YogaServerOptions<NodeServerContext, GatewayServices>['cors'] {
  if (origins.length === 0) return false;
  const anyOrigin = origins.includes('*');
  const shared = {
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', API_KEY_HEADER, REQUEST_ID_HEADER, CSRF_HEADER],
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    // Credentials travel in headers, never cookies: browsers need not send cookies cross-origin.
    credentials: false,
    maxAge: 600,
  };
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (anyOrigin) return { ...shared, origin: '*' };
    return origin !== null && origins.includes(origin) ? { ...shared, origin } : false;
  };
}

/** Builds the yoga app. */
export function createApp(dependencies: AppDependencies): GatewayApp {
  const { faceid, facts, logger, graphiql = false, introspection = true, batchingLimit = 0, trustProxy = false } = dependencies;
  const authenticate = dependencies.authenticate ?? createAuthenticator({ mode: 'open' });
  const metrics = dependencies.metrics ?? createMetrics();
  const corsOrigins = dependencies.corsOrigins ?? ['*'];
  const isReady = dependencies.isReady ?? (() => true);
  metrics.watchThrottles(faceid.throttles);
  const tracker = createRequestTracker({ logger: logger.child({ component: 'http' }), metrics, graphqlEndpoint: GRAPHQL_ENDPOINT });

  const plugins: Plugin[] = [
    tracker.plugin,
    useMetricsEndpoint(metrics),
    useReadinessCheck({ endpoint: '/ready', check: () => isReady() }),
    useCsrfPrevention(),
    useValidationRules(introspection),
    useVariableErrorCodes(),
    useClientClosedRequests(),
    useResultResponsePolicy(RESULT_TYPE_NAMES),
  ];
  if (dependencies.persistedOperations) {
    const allowed = dependencies.persistedOperations;
    const refusal = (code: string, message: string) => ({ message, extensions: { code, retryable: false, http: { status: 400 } } });
    plugins.push(
      usePersistedOperations({
        getPersistedOperation: (hash) => allowed.get(hash) ?? null,
        allowArbitraryOperations: false,
        customErrors: {
          notFound: refusal('PERSISTED_QUERY_NOT_IN_LIST', 'No operation of schema/operations has this sha256Hash.'),
          persistedQueryOnly: refusal(
            'PERSISTED_QUERY_ONLY',
            'This gateway runs only the operations of schema/operations: send extensions.persistedQuery.sha256Hash, not the query text.',
          ),
          keyNotFound: refusal('PERSISTED_QUERY_ID_REQUIRED', 'Send extensions.persistedQuery = { "version": 1, "sha256Hash": "<hash>" }.'),
        },
      }),
    );
  }

  return createYoga<NodeServerContext, GatewayServices>({
    schema: createSchema(),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    landingPage: false,
    ...graphiqlOptions(graphiql),
    logging: logger.child({ component: 'yoga' }),
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    batching: batchingLimit > 0 ? { limit: batchingLimit } : false,
    cors: corsPolicy(corsOrigins),
    context: async ({ request, ...serverContext }) => {
      const trace = tracker.traceOf(request);
      const caller = await authenticate(request, clientAddressOf(request, serverContext, trustProxy));
      tracker.setCaller(request, caller.id);
      return { faceid, facts, caller, trace };
    },
    plugins,
  });
}
