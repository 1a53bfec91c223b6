/**
 * Apollo Gateway 2 (`@apollo/gateway`, IntrospectAndCompose) served by Apollo Server, composing the gateway
 * process and a second subgraph: the router contract of test/helpers/router-contract.ts. Apollo Gateway asks its
 * subgraphs for no particular media type (`Accept: *\/*`) and turns any non-2xx answer into "400: Bad Request"
 * with code INTERNAL_SERVER_ERROR; the gateway's 200 for such clients is what keeps the codes intact.
 */
import { IntrospectAndCompose, RemoteGraphQLDataSource, ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { IncomingHttpHeaders } from 'node:http';
import { describe } from 'vitest';
import { defineRouterContract } from './helpers/router-contract.js';
import { FORWARDED_HEADERS, type SubgraphEndpoint } from './helpers/router.js';

interface RouterContext {
  headers: IncomingHttpHeaders;
}

/** Composes the subgraphs by introspection and serves them on 127.0.0.1:0, forwarding FORWARDED_HEADERS. */
async function startApolloGateway(subgraphs: readonly SubgraphEndpoint[]) {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs: subgraphs.map(({ name, url }) => ({ name, url })) }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        willSendRequest({ request, context }) {
          for (const name of FORWARDED_HEADERS) {
            const value = context.headers?.[name];
            if (typeof value === 'string') request.http?.headers.set(name, value);
          }
        },
      }),
    logger: { debug() {}, info() {}, warn() {}, error: console.error },
  });
  const server = new ApolloServer<RouterContext>({ gateway, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  return { url, close: () => server.stop() };
}

describe('Apollo Gateway 2 over the gateway and an accounts subgraph', () => {
  defineRouterContract(startApolloGateway);
});
