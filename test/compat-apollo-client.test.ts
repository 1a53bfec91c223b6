/**
 * Apollo Client 3 (`@apollo/client/core`, the React-free entry point) with its default options against the real
 * gateway process: HttpLink, POST for queries too, `Accept: *\/*`, errorPolicy "none" (a GraphQL error rejects
 * with an ApolloError whose graphQLErrors the application reads). Client awareness is on, as many apps set it.
 */
import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { describe, expect, it } from 'vitest';
import { defineClientContract, type ClientOutcome } from './helpers/client-contract.js';

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
