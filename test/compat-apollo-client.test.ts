/**
 * Apollo Client 3 (`@apollo/client/core`, the React-free entry point) with its default options against the real
 * gateway process: HttpLink, POST for queries too, `Accept: *\/*`, errorPolicy "none" (a GraphQL error rejects
 * with an ApolloError whose graphQLErrors the application reads). Client awareness is on, as many apps set it.
 */
import { ApolloClient, ApolloError, ApolloLink, HttpLink, InMemoryCache, Observable, gql } from '@apollo/client/core';
import { onError } from '@apollo/client/link/error';
import { describe, expect, it } from 'vitest';
import { defineClientContract, type ClientOutcome } from './helpers/client-contract.js';
import { COMPAT_OPERATIONS, SDK_TOKEN, startCompatGateway } from './helpers/compat-gateway.js';

/** What an ApolloError carries, as the application reads it. */
function outcomeOfError(error: unknown): ClientOutcome {
  if (!(error instanceof ApolloError)) throw error;
  return {
    data: undefined,
    graphQLErrors: error.graphQLErrors.map(({ message, extensions }) => ({ message, extensions: { ...extensions } })),
    networkError: error.networkError ? error.networkError.message : undefined,
  };
}

describe('Apollo Client 3', () => {
  const { sent } = defineClientContract({
    expectedQueryMethod: 'POST',
    create: (url, fetchImpl) => {
      const client = new ApolloClient({
        link: new HttpLink({ uri: url, fetch: fetchImpl }),
        cache: new InMemoryCache(),
        clientAwareness: { name: 'compat-suite', version: '1.0.0' },
      });
      return {
        async mutate(operation, variables, headers) {
          try {
            const result = await client.mutate({ mutation: gql(operation), variables, context: { headers } });
            return { data: result.data, graphQLErrors: [] };
          } catch (error) {
            return outcomeOfError(error);
          }
        },
        async query(operation, headers) {
          try {
            const result = await client.query({ query: gql(operation), context: { headers }, fetchPolicy: 'network-only' });
            return { data: result.data, graphQLErrors: [] };
          } catch (error) {
            return outcomeOfError(error);
          }
        },
      };
    },
  });

  it('sends its client-awareness headers and accepts anything, so it gets 200 with errors in the body', () => {
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.headers).toMatchObject({
      accept: '*/*',
      'apollographql-client-name': 'compat-suite',
      'apollographql-client-version': '1.0.0',
    });
  });
});

describe('Apollo Client 3 with the retry link of docs/clients.md', () => {
  it('mints both of two concurrent tokens at 1 per second: the one refused RATE_LIMITED is retried after retryAfter', async () => {
    const gateway = await startCompatGateway();
    try {
      const attempts: string[] = [];
      // The recipe, as docs/clients.md gives it.
      const retryRateLimited = onError(({ graphQLErrors, operation, forward }) => {
        const limited = graphQLErrors?.find((error) => error.extensions?.retryable && error.extensions.code === 'RATE_LIMITED');
        if (!limited || (operation.getContext().retries ?? 0) >= 2) return;
        operation.setContext(({ retries = 0 }) => ({ retries: retries + 1 }));
        const waitMs = Number(limited.extensions?.retryAfter ?? 1) * 1000;
        return new Observable((observer) => {
          const timer = setTimeout(() => forward(operation).subscribe(observer), waitMs);
          return () => clearTimeout(timer);
        });
      });
      const recordAttempts = new ApolloLink((operation, forward) => {
        attempts.push(operation.operationName);
        return forward(operation);
      });
      const client = new ApolloClient({
        link: ApolloLink.from([retryRateLimited, recordAttempts, new HttpLink({ uri: gateway.url, headers: gateway.trusted })]),
        cache: new InMemoryCache(),
      });
      const mint = () => client.mutate({ mutation: gql(COMPAT_OPERATIONS.selfie), variables: { input: {} } });
      const results = await Promise.all([mint(), mint()]);
      for (const result of results) expect(result.data?.getSelfieToken.sdkToken).toMatch(SDK_TOKEN);
      // Two first attempts, and at least one retry of the refused one.
      expect(attempts.length).toBeGreaterThanOrEqual(3);
    } finally {
      await gateway.close();
    }
  }, 30_000);
});
