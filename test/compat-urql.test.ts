/**
 * urql (`@urql/core`) with the exchanges its documentation starts from, [cacheExchange, fetchExchange], and its
 * default options: queries go as GET while they fit in a URL (`preferGetMethod: 'within-url-limit'`), mutations
 * as POST, `Accept: application/graphql-response+json, …`. A GraphQL error reaches the application as
 * `result.error.graphQLErrors`.
 */
import { cacheExchange, createClient, fetchExchange, gql, type CombinedError } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { defineClientContract, type ClientOutcome } from './helpers/client-contract.js';

function outcomeOf(result: { data?: any; error?: CombinedError | undefined }): ClientOutcome {
  return {
    data: result.data,
    graphQLErrors: (result.error?.graphQLErrors ?? []).map(({ message, extensions }) => ({ message, extensions: { ...extensions } })),
    networkError: result.error?.networkError?.message,
  };
}

describe('urql', () => {
  const { sent } = defineClientContract({
    expectedQueryMethod: 'GET',
    create: (url, fetchImpl) => {
      const client = createClient({ url, exchanges: [cacheExchange, fetchExchange], fetch: fetchImpl });
      return {
        mutate: async (operation, variables, headers) =>
          outcomeOf(await client.mutation(gql(operation), variables, { fetchOptions: { headers } }).toPromise()),
        query: async (operation, headers) =>
          outcomeOf(await client.query(gql(operation), {}, { fetchOptions: { headers }, requestPolicy: 'network-only' }).toPromise()),
      };
    },
  });

  it('asks for application/graphql-response+json first, so it gets the documented statuses and still reads the errors', () => {
    expect(sent[0]!.headers.accept).toBe('application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed');
  });
});
