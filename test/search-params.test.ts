/**
 * `variables` and `extensions` of a GET request or a form POST are JSON text inside URL parameters. Text that is
 * not JSON is the client's error (400 BAD_REQUEST naming the parameter), never an unexpected one, and the text
 * reaches neither the answer nor the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../src/protection/csrf.js';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
let url: string;
beforeAll(async () => {
  harness = await startHarness();
  url = await harness.listen();
});
afterAll(() => harness.close());

const CLIENT_TEXT = 'hunter2-not-json';
const QUERY = '{ __typename }';

function getWith(params: Record<string, string>) {
  return fetch(`${url}?${new URLSearchParams({ query: QUERY, ...params })}`, { headers: { accept: 'application/graphql-response+json' } });
}

function formWith(params: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/graphql-response+json', [CSRF_HEADER]: '1' },
    body: new URLSearchParams({ query: QUERY, ...params }).toString(),
  });
}

describe('JSON inside URL-encoded parameters', () => {
  it.each([
    ['GET', 'variables', getWith],
    ['GET', 'extensions', getWith],
    ['a form POST', 'variables', formWith],
    ['a form POST', 'extensions', formWith],
  ])('refuses %s whose %s is not JSON with 400 BAD_REQUEST naming it, and logs no client text', async (_kind, parameter, send) => {
    const linesBefore = harness.log.lines.length;
    const response = await send({ [parameter]: CLIENT_TEXT });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: `The ${parameter} parameter is not valid JSON.`, extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
    const logged = harness.log.lines.slice(linesBefore);
    expect(logged.join('\n')).not.toContain('hunter2');
    expect(harness.log.entries().slice(linesBefore).filter((entry) => (entry.level as number) >= 50)).toEqual([]);
  });

  it.each([
    ['GET', getWith],
    ['a form POST', formWith],
  ])('runs %s whose variables are JSON', async (_kind, send) => {
    const response = await send({ variables: '{}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
