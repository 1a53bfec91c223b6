/**
 * Persisted queries as the real clients send them, with their default document transforms: Apollo Client 3 and 4
 * (persisted-queries link, `sha256` from node:crypto) and urql (persistedExchange with `enableForMutation` and a
 * SHA-256 `generateHash`, after its cacheExchange). Against the real gateway process in persisted-operations mode,
 * every committed operation runs by the hash the client sends, with one request; against a normal gateway, the
 * clients' hash-only first try is answered `PersistedQueryNotSupported` and they resend the text.
 *
 * Apollo Client 4 is the devDependency `@apollo/client-4` (npm:@apollo/client@4.3.8), beside Apollo Client 3.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as apollo3 from '@apollo/client/core';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import * as apollo4 from '@apollo/client-4';
import { createPersistedQueryLink as createPersistedQueryLink4 } from '@apollo/client-4/link/persisted-queries';
import { addTypenameToDocument, print as apolloPrint } from '@apollo/client/utilities';
import { Client as UrqlClient, cacheExchange, fetchExchange, formatDocument, gql as urqlGql, stringifyDocument } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { parse, print, visit, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DIRECTORY } from '../src/gateway.js';
import { clientTextsOf, loadPersistedOperations } from '../src/protection/persisted-operations.js';
import { startCompatGateway, type CompatGateway } from './helpers/compat-gateway.js';
import { signToken } from './helpers/credentials.js';
import { startHarness, type Harness } from './helpers/harness.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The committed operation files, each with its source text. */
const COMMITTED = readdirSync(OPERATIONS_DIRECTORY)
  .filter((name) => name.endsWith('.graphql'))
  .sort()
  .map((file) => ({ file, source: readFileSync(join(OPERATIONS_DIRECTORY, file), 'utf8') }));

/** A document without any `__typename` field: what a client's transform added, taken off again. */
function withoutTypenames(document: DocumentNode): DocumentNode {
  return visit(document, { Field: (node) => (node.name.value === '__typename' ? null : undefined) });
}

describe('the allowlist of persisted-operations mode', () => {
  it.each(COMMITTED)('knows $file by the texts the real Apollo Client 3 and urql hash', ({ source }) => {
    const texts = clientTextsOf(parse(source, { noLocation: true })).map(({ text }) => text);
    expect(texts).toEqual([
      print(parse(source)),
      apolloPrint(addTypenameToDocument(apollo3.gql(source))),
      stringifyDocument(formatDocument(urqlGql(source))),
    ]);
  });

  it('holds the committed operations and nothing else, __typename aside, at most three texts each', () => {
    const allowed = loadPersistedOperations(OPERATIONS_DIRECTORY);
    const committed = COMMITTED.map(({ source }) => print(withoutTypenames(parse(source))));
    expect(new Set([...allowed.values()].map((document) => print(withoutTypenames(document))))).toEqual(new Set(committed));
    expect(allowed.size).toBeLessThanOrEqual(3 * COMMITTED.length);
  });

  it('runs a client text with the __typename fields it asked for, and refuses a text a client chose', async () => {
    const harness = await startHarness({ app: { persistedOperations: loadPersistedOperations(OPERATIONS_DIRECTORY) } });
    try {
      const info = COMMITTED.find(({ file }) => file === 'gateway-info.graphql')!.source;
      const send = async (text: string) => {
        const response = await harness.app.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } }),
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const apolloText = apolloPrint(addTypenameToDocument(apollo3.gql(info)));
      const asApollo = await send(apolloText);
      expect(asApollo.status).toBe(200);
      expect(asApollo.body.data.gateway.__typename).toBe('Gateway');
      expect(asApollo.body.data.gateway.limits.__typename).toBe('TokenLimits');
      expect(await send(apolloText.replace('region', 'region\n    upstream: region'))).toEqual({
        status: 200,
        body: {
          errors: [
            { message: 'No operation of schema/operations has this sha256Hash.', extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', retryable: false } },
          ],
        },
      });
    } finally {
      await harness.close();
    }
  });
});

describe('a hash-only request to a gateway that runs any operation', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  const info = 'query GatewayInfo { gateway { region } }';
  const hash = { version: 1, sha256Hash: sha256(info) };
  const notSupported = { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'BAD_REQUEST', retryable: false } }] };
  const cases = [
    { name: 'a POST with a hash and no query', body: { extensions: { persistedQuery: hash } }, accept: '*/*', status: 400, answer: notSupported },
    {
      name: 'the same asking for application/graphql-response+json',
      body: { extensions: { persistedQuery: hash } },
      accept: 'application/graphql-response+json',
      status: 400,
      answer: notSupported,
    },
    { name: 'a GET with a hash and no query', get: { extensions: JSON.stringify({ persistedQuery: hash }) }, accept: '*/*', status: 400, answer: notSupported },
    {
      name: 'a POST with text and a hash of other text (the text runs)',
      body: { query: info, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
      accept: '*/*',
      status: 200,
      answer: { data: { gateway: { region: 'ap-singapore' } } },
    },
    {
      name: 'a POST with neither (unchanged)',
      body: { extensions: {} },
      accept: '*/*',
      status: 400,
      answer: { errors: [{ message: 'Must provide query string.', extensions: { code: 'BAD_REQUEST', retryable: false } }] },
    },
  ];

  it.each(cases)('answers $name with $status', async ({ body, get, accept, status, answer }) => {
    const response = get
      ? await harness.app.fetch(`http://gateway.test/graphql?${new URLSearchParams(get)}`, { headers: { accept } })
      : await harness.app.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept },
          body: JSON.stringify(body),
        });
    expect({ status: response.status, answer: await response.json() }).toEqual({ status, answer });
  });
});

/** One HTTP request a client sent, and what it carried. */
interface WireRequest {
  method: string;
  sends: 'hash' | 'text' | 'hash and text';
  status: number;
}

/** A fetch that records what each request carried (a hash, the text, both) and the status it got. */
function wireRecorder(wire: WireRequest[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const params =
      request.method === 'GET'
        ? { query: url.searchParams.get('query'), extensions: JSON.parse(url.searchParams.get('extensions') ?? 'null') }
        : ((await request.clone().json()) as { query?: string; extensions?: { persistedQuery?: unknown } });
    const hash = params.extensions?.persistedQuery != null;
    const response = await fetch(request);
    wire.push({ method: request.method, sends: hash && params.query ? 'hash and text' : hash ? 'hash' : 'text', status: response.status });
    return response;
  };
}

/** A client as the application uses it: runs a committed operation, resolves with its data or rejects. */
interface PersistingClient {
  run(source: string, kind: 'query' | 'mutation', variables: Record<string, unknown>): Promise<Record<string, any>>;
}

type ClientFactory = (url: string, fetchImpl: typeof fetch, headers: Record<string, string>) => PersistingClient;

/** The Apollo Client API these tests use, the same in versions 3 and 4. */
type ApolloModules = Pick<typeof apollo3, 'ApolloClient' | 'ApolloLink' | 'HttpLink' | 'InMemoryCache' | 'gql'> & {
  createPersistedQueryLink: typeof createPersistedQueryLink;
};

function apolloFactory(modules: ApolloModules): ClientFactory {
  return (url, fetchImpl, headers) => {
    const { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } = modules;
    const link = ApolloLink.from([modules.createPersistedQueryLink({ sha256 }), new HttpLink({ uri: url, fetch: fetchImpl, headers })]);
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    return {
      async run(source, kind, variables) {
        const document = gql(source);
        const result =
          kind === 'mutation'
            ? await client.mutate({ mutation: document, variables })
            : await client.query({ query: document, variables, fetchPolicy: 'network-only' });
        return result.data as Record<string, any>;
      },
    };
  };
}

/** urql's persistedExchange, as its README sets it up for mutations too. */
type PersistedExchange = (options: Record<string, unknown>) => any;

function urqlFactory(persistedExchange: PersistedExchange): ClientFactory {
  return (url, fetchImpl, headers) => {
    // Verification results are refused over GET (a token in a URL), so results go as POST like mutations.
    const exchange = persistedExchange({ enableForMutation: true, preferGetForPersistedQueries: false, generateHash: async (text: string) => sha256(text) });
    const client = new UrqlClient({ url, exchanges: [cacheExchange, exchange, fetchExchange], fetch: fetchImpl, fetchOptions: () => ({ headers }) });
    return {
      async run(source, kind, variables) {
        const document = urqlGql(source);
        const result =
          kind === 'mutation' ? await client.mutation(document, variables).toPromise() : await client.query(document, variables, { requestPolicy: 'network-only' }).toPromise();
        if (result.error) throw result.error;
        return result.data;
      },
    };
  };
}

const CLIENTS: Array<{ name: string; create: ClientFactory; textQueryMethod: string }> = [
  { name: 'Apollo Client 3.14', create: apolloFactory({ ...apollo3, createPersistedQueryLink }), textQueryMethod: 'POST' },
  // Apollo Client 4 is used here exactly as 3 is; its types differ from 3's in parts this factory does not touch.
  { name: 'Apollo Client 4', create: apolloFactory({ ...apollo4, createPersistedQueryLink: createPersistedQueryLink4 } as unknown as ApolloModules), textQueryMethod: 'POST' },
  // Once the exchange is off, queries go as urql sends them without it: GET.
  { name: 'urql persistedExchange', create: urqlFactory(persistedExchange), textQueryMethod: 'GET' },
];

/** Every committed operation, in an order where each result query reads a token minted before it. */
const RUNS = [
  { file: 'get-selfie-token.graphql', kind: 'mutation', field: 'getSelfieToken', typename: 'SelfieToken' },
  { file: 'apply-ekyc-token.graphql', kind: 'mutation', field: 'applyEkycToken', typename: 'EkycToken' },
  { file: 'gateway-info.graphql', kind: 'query', field: 'gateway', typename: 'Gateway' },
  { file: 'selfie-verification-result.graphql', kind: 'query', field: 'selfieVerificationResult', typename: 'SelfieVerificationResult' },
  { file: 'ekyc-verification-result.graphql', kind: 'query', field: 'ekycVerificationResult', typename: 'EkycVerificationResult' },
] as const;

describe('real clients over HTTP', () => {
  let persistedOnly: CompatGateway;
  let normal: CompatGateway;
  let headers: Record<string, string>;
  beforeAll(async () => {
    const budget = { FACEID_RATE_LIMIT: '50', FACEID_MAX_QUEUE_WAIT_MS: '2000' };
    [persistedOnly, normal] = await Promise.all([startCompatGateway({ ...budget, PERSISTED_OPERATIONS_ONLY: 'true' }), startCompatGateway(budget)]);
    headers = { authorization: `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc faceid:result' })}` };
  }, 60_000);
  afterAll(async () => {
    await Promise.all([persistedOnly?.close(), normal?.close()]);
  });

  describe.each(CLIENTS)('$name', ({ create, textQueryMethod }) => {
    it('runs every committed operation by hash on a PERSISTED_OPERATIONS_ONLY gateway, in one request each', async () => {
      const wire: WireRequest[] = [];
      const client = create(persistedOnly.url, wireRecorder(wire), headers);
      const tokens: Record<string, string> = {};
      const outcomes = [];
      for (const { file, kind, field } of RUNS) {
        const source = COMMITTED.find((committed) => committed.file === file)!.source;
        const variables = field === 'getSelfieToken' || field === 'applyEkycToken' ? { input: {} } : field === 'gateway' ? {} : { sdkToken: tokens[field] };
        const data = await client.run(source, kind, variables);
        if (field === 'getSelfieToken') tokens.selfieVerificationResult = data[field].sdkToken;
        if (field === 'applyEkycToken') tokens.ekycVerificationResult = data[field].sdkToken;
        outcomes.push({ field, typename: data[field].__typename });
      }
      expect(outcomes).toEqual(RUNS.map(({ field, typename }) => ({ field, typename })));
      expect(wire).toEqual(RUNS.map(() => ({ method: 'POST', sends: 'hash', status: 200 })));
    });

    it('resends the text once told PersistedQueryNotSupported by a normal gateway, then sends text only', async () => {
      const wire: WireRequest[] = [];
      const client = create(normal.url, wireRecorder(wire), headers);
      const source = (file: string) => COMMITTED.find((committed) => committed.file === file)!.source;
      const minted = await client.run(source('get-selfie-token.graphql'), 'mutation', { input: {} });
      const info = await client.run(source('gateway-info.graphql'), 'query', {});
      expect([minted.getSelfieToken.__typename, info.gateway.region]).toEqual(['SelfieToken', 'ap-singapore']);
      expect(wire).toEqual([
        { method: 'POST', sends: 'hash', status: 400 },
        { method: 'POST', sends: 'text', status: 200 },
        { method: textQueryMethod, sends: 'text', status: 200 },
      ]);
    });
  });
});
