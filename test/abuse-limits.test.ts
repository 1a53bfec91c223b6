import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { OPERATIONS_DIRECTORY } from '../src/gateway.js';
import { CORS_ALLOWED_HEADERS } from '../src/protection/cors.js';
import { MAX_ENTITY_FETCHES } from '../src/protection/operation-limits.js';
import { MAX_VALIDATION_ERRORS } from '../src/protection/introspection.js';
import { loadPersistedOperations, persistedOperationId } from '../src/protection/persisted-operations.js';
import { getIntrospectionQuery, parse } from 'graphql';
import { API_KEYS, REQUIRED_AUTH, signToken } from './helpers/credentials.js';
import { harnessPerTest, type Harness } from './helpers/harness.js';
import { EKYC, SELFIE, sendGraphQL } from './helpers/requests.js';

/** Six aliases a level, six levels of introspection deep: 6 + 6² + … + 6⁶ copies once expanded. */
const AMPLIFIED_INTROSPECTION = (() => {
  const copies = (prefix: string, selection: string) => Array.from({ length: 6 }, (_unused, index) => `${prefix}${index}: ${selection}`).join(' ');
  return `{ __type(name: "Mutation") { ...F } }
fragment F on __Type { ${copies('f', 'fields { ...A }')} }
fragment A on __Field { ${copies('a', 'args { ...T }')} }
fragment T on __InputValue { ${copies('t', 'type { ...O }')} }
fragment O on __Type { ${copies('o', 'ofType { ...I }')} }
fragment I on __Type { ${copies('i', 'inputFields { ...D }')} }
fragment D on __InputValue { ${copies('d', 'description')} }`;
})();

const start = harnessPerTest();

describe('per-caller fairness', () => {
  // The one real-time check of fairness: the caller's id travels from authentication through the resolver and
  // the client to the throttle. Exact grant times and shares are tested on a fake clock in throttle.test.ts.
  it('queues a second caller in its own turn while a greedy caller is refused beyond its own wait', async () => {
    const { app, emulator } = await start({
      client: { rateLimitPerSecond: 2, maxQueueWaitMs: 1100 },
      app: { authenticate: createAuthenticator(REQUIRED_AUTH) },
    });
    const greedy = { 'x-api-key': API_KEYS.ekycBackend };
    const polite = { authorization: `Bearer ${await signToken({ sub: 'user-polite', scope: 'faceid:ekyc' })}` };
    // One slot every 512.5 ms: the greedy caller's 4th call would wait about 1,537 ms, beyond the bound. The polite
    // caller, arriving last, is served after the greedy caller's next turn (about 1,025 ms), not behind its queue.
    const greedyCalls = Array.from({ length: 4 }, () => sendGraphQL(app, EKYC, { headers: greedy }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const politeCall = sendGraphQL(app, EKYC, { headers: polite });
    const greedyResponses = await Promise.all(greedyCalls);
    const politeResponse = await politeCall;

    expect(greedyResponses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(greedyResponses[3]!.body.errors![0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryable: true, retryAfter: 2 });
    expect(politeResponse.status).toBe(200);
    expect(emulator.requests).toHaveLength(4);
  });
});

describe('request hardening', () => {
  it('answers 413 to a body larger than the largest allowed image needs', async () => {
    const { app, emulator } = await start();
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SELFIE, variables: { padding: 'A'.repeat(MAX_REQUEST_BODY_BYTES) } }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toEqual({
      code: 'REQUEST_ENTITY_TOO_LARGE',
      retryable: false,
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    // The schema is shallow: only fields it lacks nest this deep (graphql-js reports those as well).
    ['too deep', '{ gateway { limits { a { b { c { d { e { f { g } } } } } } } } }', /nested 9 levels deep; the limit is 8/],
    ['too many aliases', `{ ${Array.from({ length: 11 }, (_unused, index) => `a${index}: __typename`).join(' ')} }`, /uses 11 aliases; the limit is 10/],
    [
      'too many token mutations',
      'mutation Many { a: getSelfieToken(input: {}) { sdkToken } b: getSelfieToken(input: {}) { sdkToken } c: applyEkycToken(input: {}) { sdkToken } }',
      /Operation "Many" asks for 3 tokens; the limit is 2 per operation/,
    ],
    // Each alias would copy the result's media into the answer once more: ten of a 25 MB video answered 250 MB.
    ['an alias inside a result read', '{ selfieVerificationResult(sdkToken: "T") { a: video { base64 } } }', /uses aliases inside a verification result; none are accepted there/],
    [
      'an alias inside a result read, through a fragment',
      'query Copies { ekycVerificationResult(sdkToken: "T") { ...Media } } fragment Media on EkycVerificationResult { compareAttempts { first: bestFrame { base64 } } }',
      /^Operation "Copies" uses aliases inside a verification result/,
    ],
    ['an alias inside _entities', '{ _entities(representations: []) { ... on SelfieVerificationResult { copy: video { base64 } } } }', /uses aliases inside a verification result/],
    [
      'more _entities fields than MAX_ENTITY_FETCHES',
      `{ ${Array.from({ length: MAX_ENTITY_FETCHES + 1 }, (_unused, index) => `_v${index}__entities: _entities(representations: []) { __typename }`).join(' ')} }`,
      new RegExp(`^The operation selects _entities ${MAX_ENTITY_FETCHES + 1} times; the limit is ${MAX_ENTITY_FETCHES}\\.$`),
    ],
    ['__type with aliases past the limit', `{ ${Array.from({ length: 11 }, (_unused, index) => `t${index}: __type(name: "Query") { name }`).join(' ')} }`, /uses 11 aliases; the limit is 10/],
    // Copies nested through fragments multiply: at six aliases a level this 775-byte document was answered with 146 MB.
    ['aliases nested inside introspection', AMPLIFIED_INTROSPECTION, /^The operation uses 55986 aliases; the limit is 10\.$/],
    // Each is a copy of the whole schema: 41 of them in 4 KB answered 1 MB.
    ['two __schema fields', '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', /^The operation selects __schema 2 times; the limit is 1 \(each is a copy of the whole schema\)\.$/],
    [
      '__schema through a fragment and an alias',
      'query Twice { __schema { types { name } } ...F } fragment F on Query { copy: __schema { types { name } } }',
      /^Operation "Twice" selects __schema 2 times; the limit is 1/,
    ],
  ])('refuses an operation with %s before executing it', async (_case, query, message) => {
    const { app, emulator } = await start();
    const response = await sendGraphQL(app, query);
    expect(response.status).toBe(400);
    const limit = response.body.errors!.find((error) => error.extensions?.code === 'OPERATION_LIMIT_EXCEEDED');
    expect(limit?.message).toMatch(message);
    expect(limit?.extensions).toEqual({ code: 'OPERATION_LIMIT_EXCEEDED', retryable: false });
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['the standard introspection query (15 levels deep)', getIntrospectionQuery()],
    ['__type with as many aliases as the limit', `{ ${Array.from({ length: 10 }, (_unused, index) => `t${index}: __type(name: "Query") { name }`).join(' ')} }`],
    ['one __schema spread twice through fragments (one response key, executed once)', 'query { __schema { queryType { name } } ...F } fragment F on Query { __schema { queryType { name } } }'],
  ])('answers %s: introspection within the operation limits', async (_case, query) => {
    const { app } = await start();
    const response = await sendGraphQL(app, query);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it.each([true, false])(`reports at most ${MAX_VALIDATION_ERRORS} validation errors of an operation, then says it stopped (introspection %s)`, async (introspection) => {
    const { app } = await start({ app: { introspection } });
    const response = await sendGraphQL(app, `{ ${Array.from({ length: 120 }, (_unused, index) => `f${index}`).join(' ')} }`);
    expect(response.status).toBe(400);
    const errors = response.body.errors!;
    expect(errors).toHaveLength(MAX_VALIDATION_ERRORS + 1);
    expect(errors.slice(0, MAX_VALIDATION_ERRORS).every((error) => error.message.startsWith('Cannot query field "f'))).toBe(true);
    expect(errors.at(-1)).toEqual({ message: 'Too many validation errors, error limit reached. Validation aborted.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', retryable: false } });
  });

  it('refuses batched requests unless batching is configured', async () => {
    const batch = JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    const post = (app: Harness['app']) =>
      app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
    const closed = await start();
    expect((await post(closed.app)).status).toBe(400);
    await closed.close();
    const open = await start({ app: { batchingLimit: 2 } });
    const response = await post(open.app);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ data: { __typename: 'Query' } }, { data: { __typename: 'Query' } }]);
  });

  it('refuses an empty batch with 400 BAD_REQUEST, not an empty list', async () => {
    const { app } = await start({ app: { batchingLimit: 2 } });
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '[]',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { message: 'The batch holds no operation: send one or more {"query": …} objects.', extensions: { code: 'BAD_REQUEST', retryable: false } },
    ]);
  });

  it.each(['application/json', 'application/graphql-response+json'])(
    'refuses a batch over GRAPHQL_BATCHING_LIMIT with 400 BAD_REQUEST (not 413, which means a body too large), Accept %s',
    async (accept) => {
      const { app } = await start({ app: { batchingLimit: 2 } });
      const response = await app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify(Array.from({ length: 3 }, () => ({ query: '{ __typename }' }))),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: unknown }).errors).toEqual([
        { message: 'Batching is limited to 2 operations per request.', extensions: { code: 'BAD_REQUEST', retryable: false } },
      ]);
    },
  );

  it('refuses form and text POSTs a browser could send cross-site without a preflight (CSRF)', async () => {
    const { app, emulator } = await start();
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const post = await app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: `query=${encodeURIComponent(SELFIE.query)}`,
      });
      expect(post.status).toBe(403);
      expect(((await post.json()) as any).errors).toEqual([
        {
          message:
            'Refused as a possible cross-site request: send POST with Content-Type: application/json (or a query as GET), or add the x-graphql-yoga-csrf header.',
          extensions: { code: 'CSRF_PREVENTED', retryable: false },
        },
      ]);
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it('refuses a form of millions of empty fields before yoga parses it', async () => {
    const { app, emulator } = await start();
    const body = `query=${encodeURIComponent('{ __typename }')}${'&'.repeat(4_000_000)}`;
    const post = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' },
      body,
    });
    expect(post.status).toBe(400);
    expect(((await post.json()) as any).errors).toEqual([
      {
        message: 'The form has more than 16 fields; a GraphQL request has at most four: query, operationName, variables and extensions.',
        extensions: { code: 'BAD_REQUEST', retryable: false },
      },
    ]);
    expect(emulator.requests).toHaveLength(0);
  });

  it('answers a GET query without any special header, and refuses a GET mutation with 405', async () => {
    const { app, emulator } = await start();
    const query = await app.fetch(`http://gateway.test/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
    const mutation = await app.fetch(`http://gateway.test/graphql?query=${encodeURIComponent(SELFIE.query)}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    expect(((await mutation.json()) as any).errors[0]).toEqual({
      message: 'Can only perform a mutation operation from a POST request.',
      extensions: { code: 'METHOD_NOT_ALLOWED', retryable: false },
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['an allowed origin', ['https://app.example.com'], 'https://app.example.com', 'https://app.example.com'],
    ['another origin', ['https://app.example.com'], 'https://evil.example.com', null],
    ['any origin when none is configured (production default)', [], 'https://app.example.com', null],
  ])('answers the CORS preflight of %s', async (_case, corsOrigins, origin, allowed) => {
    const { app } = await start({ app: { corsOrigins } });
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
  });

  it.each([
    ['a listed origin', ['https://app.example.com'], { origin: 'https://app.example.com' }, 'Origin'],
    ['an origin not listed', ['https://app.example.com'], { origin: 'https://evil.example.com' }, 'Origin'],
    ['no Origin, with origins listed', ['https://app.example.com'], {}, 'Origin'],
    ['no Origin, any origin allowed', ['*'], {}, 'Origin'],
    ['an Origin, with CORS off', [], { origin: 'https://app.example.com' }, null],
  ])('says Vary: Origin to caches when the answer depends on it: %s', async (_case, corsOrigins, headers, vary) => {
    const { app } = await start({ app: { corsOrigins } });
    const query = await app.fetch(`http://gateway.test/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers });
    expect(query.status).toBe(200);
    expect(query.headers.get('vary')).toBe(vary);
    const preflight = await app.fetch('http://gateway.test/graphql', { method: 'OPTIONS', headers: { ...headers, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('vary')).toBe(vary);
  });

  it('allows in the CORS preflight the headers mainstream clients and tracing send', async () => {
    const { app } = await start({ app: { corsOrigins: ['https://app.example.com'] } });
    const requested = [
      'content-type',
      'authorization',
      'apollographql-client-name',
      'apollographql-client-version',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'graphql-client-name',
      'x-graphql-client-version',
      'traceparent',
      'tracestate',
      'baggage',
      'sentry-trace',
    ];
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': requested.join(',') },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const allowed = response.headers.get('access-control-allow-headers')!.split(',').map((name) => name.trim());
    expect(allowed).toEqual([...CORS_ALLOWED_HEADERS]);
    expect(requested.filter((name) => !allowed.includes(name))).toEqual([]);
  });

  it('refuses introspection and the federation SDL when introspection is off, and still answers __typename', async () => {
    const { app } = await start({ app: { introspection: false } });
    const introspection = await sendGraphQL(app, '{ __schema { queryType { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors![0]!.message).toMatch(/introspection/i);
    const sdl = await sendGraphQL(app, '{ _service { sdl } }');
    expect(sdl.status).toBe(400);
    expect(sdl.body.errors![0]!.message).toBe(
      'The schema is not published (INTROSPECTION=false): compose from schema/subgraph.graphql instead of querying _service.',
    );
    expect((await sendGraphQL(app, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('runs the committed operations of schema/operations by their hash in persisted-operations mode', async () => {
    const operations = loadPersistedOperations(OPERATIONS_DIRECTORY);
    expect(operations.size).toBeGreaterThanOrEqual(3);
    const { app } = await start({ app: { persistedOperations: operations } });
    const hash = persistedOperationId(parse(SELFIE.query));
    expect(operations.has(hash)).toBe(true);
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { input: {} }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(((await response.json()) as any).data.getSelfieToken.sdkToken).toBeTruthy();
  });

  it('runs only persisted operations in persisted-operations mode', async () => {
    const allowed = parse('mutation Selfie { getSelfieToken(input: {}) { sdkToken requestId expiresAt } }');
    const { app, emulator } = await start({ app: { persistedOperations: new Map([[persistedOperationId(allowed), allowed]]) } });
    const post = (body: unknown) =>
      app.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify(body),
      });

    const persisted = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: persistedOperationId(allowed) } } });
    expect(((await persisted.json()) as any).data.getSelfieToken.sdkToken).toBeTruthy();
    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0]).toMatchObject({
      message: 'No operation of schema/operations has this sha256Hash.',
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', retryable: false },
    });
    const arbitrary = await post({ query: SELFIE });
    expect(arbitrary.status).toBe(400);
    expect(((await arbitrary.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(emulator.requests).toHaveLength(1);
  });
});
