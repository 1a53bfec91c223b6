/**
 * Choosing the operation of a document to run: every way it can fail is answered with what to change, instead of
 * yoga's "Could not determine what operation to execute.".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

async function send(body: Record<string, unknown>) {
  const response = await harness.app.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: unknown; locations?: unknown }> } };
}

const TWO = 'query A { __typename } query B { gateway { region } }';

describe('choosing the operation to run', () => {
  it.each([
    ['an operationName that names no operation', { query: TWO, operationName: 'C' }, 'The operationName "C" names no operation of the document; it defines "A", "B".'],
    ['an operationName that is no GraphQL name', { query: TWO, operationName: '<b>x</b>' }, 'The operationName given names no operation of the document; it defines "A", "B".'],
    ['no operationName for two operations', { query: TWO }, 'The document defines 2 operations ("A", "B"): name the one to run in operationName.'],
    ['no operationName for an unnamed and a named one', { query: '{ __typename } query B { __typename }' }, 'The document defines 2 operations (an unnamed one, "B"): name each operation, and the one to run in operationName.'],
    ['seven operations', { query: Array.from({ length: 7 }, (_, i) => `query Q${i} { __typename }`).join(' ') }, 'The document defines 7 operations ("Q0", "Q1", "Q2", "Q3", "Q4" and 2 more): name the one to run in operationName.'],
    ['a document of fragments only', { query: 'fragment F on Query { __typename }' }, 'The document defines no operation to run (a query or a mutation), only fragments.'],
    ['an operationName that is a number', { query: TWO, operationName: 7 }, "operationName must be a string naming one of the document's operations."],
  ])('refuses %s with BAD_REQUEST saying what to change', async (_case, body, message) => {
    const answer = await send(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ message, extensions: { code: 'BAD_REQUEST', retryable: false } }] });
  });

  it('refuses two operations of one name as a validation error, located at both', async () => {
    const answer = await send({ query: 'query A { __typename }\nquery A { gateway { region } }' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message: 'There can be only one operation named "A".',
        locations: [
          { line: 1, column: 1 },
          { line: 2, column: 1 },
        ],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', retryable: false },
      },
    ]);
  });

  it.each([
    ['the named one of two', { query: TWO, operationName: 'B' }, { gateway: { region: 'ap-singapore' } }],
    ['the only one, unnamed', { query: '{ __typename }' }, { __typename: 'Query' }],
    ['the only one, with a null operationName', { query: '{ __typename }', operationName: null }, { __typename: 'Query' }],
    ['the only one, unnamed, with an empty operationName (as some clients send it)', { query: '{ __typename }', operationName: '' }, { __typename: 'Query' }],
  ])('runs %s, the second time from the parse cache too', async (_case, body, data) => {
    for (let time = 0; time < 2; time++) expect(await send(body)).toEqual({ status: 200, body: { data } });
  });

  it('refuses the same request again when its document comes from the parse cache', async () => {
    for (let time = 0; time < 2; time++) expect((await send({ query: TWO, operationName: 'C' })).status).toBe(400);
  });
});
