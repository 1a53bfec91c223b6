/**
 * Apollo Client 3 (`@apollo/client/core`, the React-free entry point) with its default options against the real
 * gateway process: HttpLink, POST for queries too, `Accept: *\/*`, errorPolicy "none" (a GraphQL error rejects
 * with an ApolloError whose graphQLErrors the application reads). Client awareness is on, as many apps set it.
 */
import { ApolloClient, ApolloError, ApolloLink, HttpLink, InMemoryCache, Observable, gql } from '@apollo/client/core';
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
  /** The recipe, as docs/clients.md gives it. */
  const retryRetryable = (maxRetries = 3) =>
    new ApolloLink(
      (operation, forward) =>
        new Observable((observer) => {
          let retries = 0;
          let timer: ReturnType<typeof setTimeout> | undefined;
          let subscription: { unsubscribe(): void } | undefined;
          const attempt = () => {
            let retrying = false;
            subscription = forward(operation).subscribe({
              next(result) {
                const retryable = result.errors?.find((error) => error.extensions?.retryable === true);
                if (!retryable || retries >= maxRetries) return observer.next(result);
                retries += 1;
                retrying = true;
                const seconds = Number(retryable.extensions?.retryAfter ?? 1);
                timer = setTimeout(attempt, seconds * 1000 * (1 + Math.random()));
              },
              error: (error) => observer.error(error),
              complete: () => retrying || observer.complete(),
            });
          };
          attempt();
          return () => {
            clearTimeout(timer);
            subscription?.unsubscribe();
          };
        }),
    );

  it('mints all of three concurrent tokens at 1 per second: each one refused RATE_LIMITED is sent again after retryAfter and a random part', async () => {
    const gateway = await startCompatGateway();
    try {
      const attempts: number[] = [];
      const recordAttempts = new ApolloLink((operation, forward) => {
        attempts.push(Date.now());
        return forward(operation);
      });
      const client = new ApolloClient({
        link: ApolloLink.from([retryRetryable(), recordAttempts, new HttpLink({ uri: gateway.url, headers: gateway.trusted })]),
        cache: new InMemoryCache(),
      });
      const mint = () => client.mutate({ mutation: gql(COMPAT_OPERATIONS.selfie), variables: { input: {} } });
      const results = await Promise.all([mint(), mint(), mint()]);
      for (const result of results) expect(result.data?.getSelfieToken.sdkToken).toMatch(SDK_TOKEN);
      // Three first attempts, and the retries of the two refused: the third waits for two slots, a second retry.
      expect(attempts.length).toBeGreaterThanOrEqual(5);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('hands the RATE_LIMITED answer to the application once the retries are spent', async () => {
    const gateway = await startCompatGateway();
    try {
      const client = new ApolloClient({
        link: ApolloLink.from([retryRetryable(0), new HttpLink({ uri: gateway.url, headers: gateway.trusted })]),
        cache: new InMemoryCache(),
      });
      const mint = () => client.mutate({ mutation: gql(COMPAT_OPERATIONS.selfie), variables: { input: {} } }).then(() => 'token', outcomeOfError);
      const outcomes = await Promise.all([mint(), mint()]);
      expect(outcomes).toContain('token');
      const refused = outcomes.find((outcome) => outcome !== 'token') as ClientOutcome;
      expect(refused.graphQLErrors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
      expect(refused.graphQLErrors[0]!.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    } finally {
      await gateway.close();
    }
  }, 30_000);
});
