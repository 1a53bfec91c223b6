import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { ERROR_CODES } from '../src/errors.js';
import { API_KEYS, REQUIRED_AUTH } from './helpers/credentials.js';
import { startHarness, uncheckedRequest, SELFIE_MUTATION, type Harness } from './helpers/harness.js';
import { EKYC, SELFIE } from './helpers/requests.js';

/** Accept headers of real clients, and the media type yoga answers each with. */
const ACCEPT_HEADERS = {
  graphqlResponseJson: 'application/graphql-response+json, application/json',
  applicationJson: 'application/json',
  anything: '*/*',
  none: undefined,
} as const;
type AcceptCase = keyof typeof ACCEPT_HEADERS;
const LEGACY_ACCEPTS: AcceptCase[] = ['applicationJson', 'anything', 'none'];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    app: { authenticate: createAuthenticator(REQUIRED_AUTH) },
    // One token a second and no queue: the second concurrent call is refused at once.
    client: { rateLimitPerSecond: 1, maxQueueWaitMs: 0 },
  });
});
afterAll(() => harness.close());

interface Sent {
  status: number;
  headers: Headers;
  contentType: string | null;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function send(accept: AcceptCase, init: { method?: string; url?: string; headers?: Record<string, string>; body?: string }): Promise<Sent> {
  const headers: Record<string, string> = { ...init.headers };
  const acceptHeader = ACCEPT_HEADERS[accept];
  if (acceptHeader !== undefined) headers.accept = acceptHeader;
  const response = await harness.app.fetch(init.url ?? 'http://gateway.test/graphql', { method: init.method ?? 'POST', headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, contentType: response.headers.get('content-type'), body: text ? JSON.parse(text) : {} };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Well-formed GraphQL requests that fail, each with the code it gets. */
const WELL_FORMED_FAILURES = [
  ['a parse error', 'GRAPHQL_PARSE_FAILED', json({ query: '{ gateway {' })],
  ['a validation error', 'GRAPHQL_VALIDATION_FAILED', json({ query: '{ nope }' })],
  ['an operation over the limits', 'OPERATION_LIMIT_EXCEEDED', json({ query: `{ ${Array.from({ length: 11 }, (_unused, index) => `a${index}: __typename`).join(' ')} }` })],
  ['variables the schema rejects', 'BAD_USER_INPUT', json(uncheckedRequest(SELFIE_MUTATION, { input: { checkMode: 'NOPE' } }), { 'x-api-key': API_KEYS.selfieBackend })],
  ['input the gateway rejects', 'BAD_USER_INPUT', json(uncheckedRequest(SELFIE_MUTATION, { input: { checkMode: 'OCR_LIVENESS_AND_COMPARE' } }), { 'x-api-key': API_KEYS.selfieBackend })],
  ['no credentials', 'UNAUTHENTICATED', json(SELFIE)],
  ['a wrong token', 'UNAUTHENTICATED', json(SELFIE, { authorization: 'Bearer not-a-jwt' })],
  ['a key without the scope', 'FORBIDDEN', json(EKYC, { 'x-api-key': API_KEYS.selfieBackend })],
] as const;

/** Requests that are not well-formed GraphQL requests, each with the code and status every client gets. */
const MALFORMED_REQUESTS = [
  ['a body that is not JSON', 'BAD_REQUEST', 400, { headers: { 'content-type': 'application/json' }, body: '{"query": ' }],
  ['no query', 'BAD_REQUEST', 400, json({ variables: {} })],
  ['a PUT', 'METHOD_NOT_ALLOWED', 405, { method: 'PUT', ...json({ query: '{ __typename }' }) }],
  ['a mutation over GET', 'METHOD_NOT_ALLOWED', 405, { method: 'GET', url: `http://gateway.test/graphql?query=${encodeURIComponent(SELFIE.query)}` }],
  ['a form POST', 'CSRF_PREVENTED', 403, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent('{ __typename }')}` }],
  ['a body over the limit', 'REQUEST_ENTITY_TOO_LARGE', 413, json({ query: '{ __typename }', variables: { padding: 'A'.repeat(MAX_REQUEST_BODY_BYTES) } })],
] as const;

describe('status codes (GraphQL over HTTP)', () => {
  it.each(WELL_FORMED_FAILURES)('answers %s with the documented status to an application/graphql-response+json client', async (_case, code, init) => {
    const response = await send('graphqlResponseJson', init);
    expect(response.status).toBe(ERROR_CODES[code].status);
    expect(response.contentType).toBe('application/graphql-response+json; charset=utf-8');
    expect(response.body.errors![0]!.extensions).toMatchObject({ code, retryable: ERROR_CODES[code].retryable });
  });

  it.each(WELL_FORMED_FAILURES.flatMap(([name, code, init]) => LEGACY_ACCEPTS.map((accept) => [name, accept, code, init] as const)))(
    'answers %s with 200 and the error in the body to a client accepting %s',
    async (_case, accept, code, init) => {
      const response = await send(accept, init);
      expect(response.status).toBe(200);
      expect(response.contentType).toBe('application/json; charset=utf-8');
      expect(response.body.errors![0]!.extensions).toMatchObject({ code, retryable: ERROR_CODES[code].retryable });
    },
  );

  it.each(
    MALFORMED_REQUESTS.flatMap(([name, code, status, init]) =>
      (Object.keys(ACCEPT_HEADERS) as AcceptCase[]).map((accept) => [name, status, accept, code, init] as const),
    ),
  )('answers %s with %i to a client accepting %s', async (_case, status, accept, code, init) => {
    const response = await send(accept, init);
    expect(response.status).toBe(status);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code, retryable: false });
  });

  it.each(Object.keys(ACCEPT_HEADERS) as AcceptCase[])('sends WWW-Authenticate with UNAUTHENTICATED to a client accepting %s', async (accept) => {
    const response = await send(accept, json(SELFIE, { authorization: 'Bearer not-a-jwt' }));
    expect(response.status).toBe(accept === 'graphqlResponseJson' ? 401 : 200);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each(Object.keys(ACCEPT_HEADERS) as AcceptCase[])(
    'sends Retry-After with RATE_LIMITED to a client accepting %s',
    async (accept) => {
      const responses = await Promise.all(
        Array.from({ length: 3 }, () => send(accept, json(SELFIE, { 'x-api-key': API_KEYS.selfieBackend }))),
      );
      const limited = responses.filter((response) => response.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      expect(limited.length).toBeGreaterThanOrEqual(2);
      for (const response of limited) {
        expect(response.status).toBe(accept === 'graphqlResponseJson' ? 429 : 200);
        const { retryAfter } = response.body.errors![0]!.extensions!;
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(response.headers.get('retry-after')).toBe(String(retryAfter));
      }
    },
  );

  it('keeps 200 for a successful operation whatever the client accepts', async () => {
    for (const accept of Object.keys(ACCEPT_HEADERS) as AcceptCase[]) {
      const response = await send(accept, json({ query: '{ __typename }' }));
      expect(response).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    }
  });
});
