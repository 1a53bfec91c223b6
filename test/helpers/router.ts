/**
 * A Federation router in front of the gateway, all in process on 127.0.0.1: fetch each subgraph's SDL with
 * `{ _service { sdl } }`, compose a supergraph (@theguild/federation-composition), and serve it with the Hive
 * gateway runtime. Plus a second subgraph, "accounts", so that composition and query planning have something to
 * combine. For tests that must prove something through a router: the error contract, forwarded credentials.
 */
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { API_KEY_HEADER } from '../../src/auth/authenticate.js';
import { REQUEST_ID_HEADER } from '../../src/observability/request-log.js';

/**
 * Headers every subgraph must receive from the client's request: `authorization` and `x-api-key` carry the
 * caller's credentials, which the gateway's scope checks need; `x-request-id` ties the router's and the
 * subgraphs' log lines to one request. Nothing else is forwarded.
 */
export const FORWARDED_HEADERS = ['authorization', API_KEY_HEADER, REQUEST_ID_HEADER] as const;

/** A subgraph the router routes to: its name in the supergraph and its GraphQL endpoint. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** A running router. */
export interface Router {
  /** The router's GraphQL endpoint. */
  url: string;
  /** The composed supergraph it serves. */
  supergraphSdl: string;
  close(): Promise<void>;
}

/** A running subgraph that records the headers of every request it receives. */
export interface RecordingSubgraph extends SubgraphEndpoint {
  /** Request headers, in arrival order, as node:http parsed them (names in lower case). */
  readonly requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** The accounts subgraph, which keeps the SDK token of its account's eKYC verification, as an onboarding service would. */
export interface AccountsSubgraph extends RecordingSubgraph {
  /** Stores the SDK token that `me.kycVerification` refers to. */
  linkKycVerification(sdkToken: string): void;
}

/** Fetches a subgraph's SDL as composition tools do: the `_service { sdl }` query over HTTP. */
export async function fetchSubgraphSdl(url: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json()) as { data?: { _service?: { sdl?: string } }; errors?: unknown[] };
  const sdl = body.data?._service?.sdl;
  if (!sdl) throw new Error(`${url} answered { _service { sdl } } with HTTP ${response.status}: ${JSON.stringify(body)}`);
  return sdl;
}

/** Composes the subgraphs' SDL (fetched over HTTP) into a supergraph; throws with every composition error. */
export async function composeSupergraph(subgraphs: readonly SubgraphEndpoint[]): Promise<string> {
  const services = await Promise.all(
    subgraphs.map(async ({ name, url }) => ({ name, url, typeDefs: parse(await fetchSubgraphSdl(url)) })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `  ${error.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

/** Composes `subgraphs` and serves the supergraph on 127.0.0.1:0, forwarding FORWARDED_HEADERS to every subgraph. */
export async function startRouter({ subgraphs }: { subgraphs: readonly SubgraphEndpoint[] }): Promise<Router> {
  const supergraphSdl = await composeSupergraph(subgraphs);
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) =>
        Object.fromEntries(FORWARDED_HEADERS.map((name) => [name, request.headers.get(name)])),
    },
  });
  const server = await listenOnLoopback(runtime);
  return {
    url: `${server.origin}/graphql`,
    supergraphSdl,
    async close() {
      await server.close();
      await runtime.dispose();
    },
  };
}

const ACCOUNTS_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Query {
    "The caller's account: null unless the request carries credentials (Authorization or x-api-key)."
    me: Account
    "A page of accounts, each referring to the linked eKYC verification."
    accounts: [Account!]!
  }

  type Account {
    id: ID!
    name: String!
    "The account's identity verification: a reference the faceid subgraph resolves by its SDK token."
    kycVerification: EkycVerificationResult
  }

  type EkycVerificationResult @key(fields: "sdkToken", resolvable: false) {
    sdkToken: String!
  }
`);

/** Accounts on the `accounts` page: more than one `_entities` call held before routers' batches were allowed. */
export const ACCOUNTS_PAGE_LENGTH = 25;

/**
 * The "accounts" subgraph: `Query.me`, which needs the caller's credentials and so shows whether the
 * router forwarded it. Built with @apollo/subgraph from SDL: a second Pothos builder would have to carry the
 * scope-auth options that the gateway's plugin import makes mandatory for every builder in the process.
 */
export async function startAccountsSubgraph(): Promise<AccountsSubgraph> {
  let kycSdkToken: string | undefined;
  const schema = buildSubgraphSchema({
    typeDefs: ACCOUNTS_TYPE_DEFS,
    resolvers: {
      Query: {
        // @apollo/subgraph types every resolver's context as unknown; yoga's carries the HTTP request.
        me: (_root: unknown, _args: unknown, context: unknown) =>
          ['authorization', 'x-api-key'].some((name) => (context as YogaInitialContext).request.headers.has(name)) ? { id: 'account-1', name: 'Test Account' } : null,
        accounts: () => Array.from({ length: ACCOUNTS_PAGE_LENGTH }, (_unused, index) => ({ id: `account-${index + 1}`, name: `Account ${index + 1}` })),
      },
      Account: {
        // A reference only: the router asks the faceid subgraph for the rest.
        kycVerification: () => (kycSdkToken === undefined ? null : { sdkToken: kycSdkToken }),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, landingPage: false });
  const requests: IncomingHttpHeaders[] = [];
  const server = await listenOnLoopback((request, response) => {
    requests.push({ ...request.headers });
    void yoga(request, response);
  });
  return {
    name: 'accounts',
    url: `${server.origin}/graphql`,
    requests,
    close: () => server.close(),
    linkKycVerification(sdkToken) {
      kycSdkToken = sdkToken;
    },
  };
}

/** Serves `listener` on 127.0.0.1:0; `close` also drops kept-alive connections so nothing holds the process open. */
async function listenOnLoopback(listener: RequestListener): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
