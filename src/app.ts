/**
 * The GraphQL app: schema, context and error policy. No environment, no port: the process (server.ts) and the
 * tests both get the same app from createApp.
 */
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Caller, GatewayFacts, GatewayServices } from './context.js';
import type { FaceIdClient } from './faceid/client.js';
import { graphiqlOptions } from './graphiql.js';
import { SCOPES } from './schema/builder.js';
import { createSchema } from './schema/index.js';

export interface AppDependencies {
  faceid: FaceIdClient;
  facts: GatewayFacts;
  logger: Logger;
  /** Serve GraphiQL on GET /graphql. @default false */
  graphiql?: boolean;
}

export type GatewayApp = YogaServerInstance<Record<string, never>, GatewayServices>;

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

/** Until authentication is configured, every caller may use every operation. */
function openCaller(_request: Request): Caller {
  return { id: 'anonymous', authenticated: false, scopes: new Set(Object.values(SCOPES)) };
}

/** Builds the yoga app. */
export function createApp({ faceid, facts, logger, graphiql = false }: AppDependencies): GatewayApp {
  return createYoga<Record<string, never>, GatewayServices>({
    schema: createSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    ...graphiqlOptions(graphiql),
    logging: logger.child({ component: 'yoga' }),
    context: ({ request }) => ({ faceid, facts, caller: openCaller(request) }),
    plugins: [useVariableErrorCodes()],
  });
}
