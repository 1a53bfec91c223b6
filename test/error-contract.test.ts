/** Every error a client can see carries a documented code and its retry flag. */
import { GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withDocumentedCode } from '../src/error-contract.js';
import { startHarness } from './helpers/harness.js';
import { ERROR_CODES, InvalidInputError, RateLimitedError, UpstreamFailedError, UpstreamMisconfiguredError, UpstreamUnavailableError, refusal, toGraphQLError } from '../src/errors.js';

const node = parse('{ a }').definitions[0]!;

describe('the error contract', () => {
  it.each([
    ['a 413 from the body limit', new GraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } }), 'REQUEST_ENTITY_TOO_LARGE', false],
    ['a 405 without a code', new GraphQLError('Can only perform a mutation operation from a POST request.', { extensions: { http: { status: 405 } } }), 'METHOD_NOT_ALLOWED', false],
    ["yoga's 405, which it calls BAD_REQUEST", new GraphQLError('GraphQL only supports GET and POST requests.', { extensions: { http: { status: 405, headers: { Allow: 'GET, POST' } }, code: 'BAD_REQUEST' } }), 'METHOD_NOT_ALLOWED', false],
    ['a syntax error', new GraphQLError('Syntax Error: Expected Name, found <EOF>.'), 'GRAPHQL_PARSE_FAILED', false],
    ['a validation error with locations', new GraphQLError('Cannot query field "x" on type "Query".', { nodes: node }), 'GRAPHQL_VALIDATION_FAILED', false],
    ['an execution error with locations and a path', new GraphQLError('Cannot return null for non-nullable field Query.a.', { nodes: node, path: ['a'] }), 'INTERNAL_SERVER_ERROR', false],
    ['an unknown error', new GraphQLError('Unexpected error.'), 'INTERNAL_SERVER_ERROR', false],
    ['a foreign code', new GraphQLError('weird', { extensions: { code: 'SOMETHING_ELSE' } }), 'INTERNAL_SERVER_ERROR', false],
    ['a documented code without retryable', new GraphQLError('slow down', { extensions: { code: 'RATE_LIMITED' } }), 'RATE_LIMITED', true],
  ])('gives %s a documented code', (_case, error, code, retryable) => {
    const coded = withDocumentedCode(error);
    expect(coded.extensions).toMatchObject({ code, retryable });
    expect(coded.message).toBe(error.message);
  });

  it('keeps an error that already has a documented code and flag unchanged', () => {
    const error = refusal('CSRF_PREVENTED', 'no');
    expect(withDocumentedCode(error)).toBe(error);
  });

  it.each(Object.entries(ERROR_CODES))('builds a %s refusal with its status and retry flag', (code, { status, retryable, answersJsonWith200 }) => {
    const error = refusal(code as keyof typeof ERROR_CODES, 'message', { headers: { 'x-test': '1' }, extensions: { field: 'input.a' } });
    expect(error.extensions).toEqual({ code, retryable, field: 'input.a', http: { status, headers: { 'x-test': '1' }, spec: answersJsonWith200 } });
  });

  it.each([
    [new InvalidInputError('input.a: bad', { field: 'input.a' }), { code: 'BAD_USER_INPUT', retryable: false, field: 'input.a' }, 400],
    [new RateLimitedError('busy', { action: 'A', retryAfterSeconds: 1.2 }), { code: 'RATE_LIMITED', retryable: true, retryAfter: 2 }, 429],
    [new UpstreamUnavailableError('down', { requestId: 'r-1' }), { code: 'UPSTREAM_UNAVAILABLE', retryable: true, requestId: 'r-1' }, 503],
    [new UpstreamMisconfiguredError('keys', { tencentCode: 'AuthFailure.SignatureFailure' }), { code: 'UPSTREAM_MISCONFIGURED', retryable: false, tencentCode: 'AuthFailure.SignatureFailure' }, 500],
    [new UpstreamFailedError('no', {}), { code: 'UPSTREAM_FAILED', retryable: false }, 502],
  ])('maps %s to its documented extensions and status', (error, extensions, status) => {
    const graphQLError = toGraphQLError(error);
    const { http, ...visible } = graphQLError.extensions as { http: { status: number } };
    expect(visible).toEqual(extensions);
    expect(http.status).toBe(status);
  });
});

describe('a bug in the gateway', () => {
  it.each([
    ['application/graphql-response+json', 'application/graphql-response+json; charset=utf-8'],
    ['application/json', 'application/json; charset=utf-8'],
  ])('is answered 500 INTERNAL_SERVER_ERROR, masked, to a client accepting %s', async (accept, contentType) => {
    const harness = await startHarness({ app: { authenticate: () => Promise.reject(new Error('secret detail of a bug')) } });
    try {
      const response = await harness.app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe(contentType);
      expect(await response.json()).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false } }] });
      expect(harness.log.entries().filter((entry) => entry.msg === 'request').at(-1)).toMatchObject({ status: 500, outcome: 'INTERNAL_SERVER_ERROR' });
    } finally {
      await harness.close();
    }
  });
});
