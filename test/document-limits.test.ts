import { readFileSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { Kind, getIntrospectionQuery, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DIRECTORY } from '../src/gateway.js';
import {
  AST_BYTES_PER_TOKEN,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_NESTING,
  MAX_DOCUMENT_TOKENS,
  PARSE_CACHE_MAX_BYTES,
  createDocumentCaches,
  documentLimitViolation,
  nestingExceeds,
  parseBounded,
} from '../src/protection/document-limits.js';
import { MAX_ALIASES, MAX_DEPTH, MAX_TOKEN_MUTATIONS, NoSubscriptionsRule, OperationLimitsRule } from '../src/protection/operation-limits.js';
import { createSchema } from '../src/schema/index.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { sendGraphQL } from './helpers/requests.js';

/** The introspection query GraphiQL and graphql-codegen send, with every option on. */
const FULL_INTROSPECTION_QUERY = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

/** Reads after which a walk counts as runaway: a thousand times what a linear walk of 1,000 fragments needs. */
const MAX_COUNTED_READS = 6_000_000;

/**
 * A copy of `document` whose selection sets count every read of their `selections`: how much walking validation
 * does, counted rather than timed, so the figure is the same on an idle machine and on a busy one.
 */
function countingSelectionReads(document: DocumentNode): { document: DocumentNode; reads: () => number } {
  let reads = 0;
  const copy = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(copy);
    if (node === null || typeof node !== 'object') return node;
    // `loc` links the source's tokens to each other both ways: kept as it is.
    const copied = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === 'loc' ? value : copy(value)]));
    if ((node as { kind?: unknown }).kind !== Kind.SELECTION_SET) return copied;
    return new Proxy(copied, {
      get(target, key, receiver) {
        // An exponential walk would never end: stop it with an error the test reports.
        if (key === 'selections' && ++reads > MAX_COUNTED_READS) throw new Error(`more than ${MAX_COUNTED_READS} reads of a selection set`);
        return Reflect.get(target, key, receiver);
      },
    });
  };
  return { document: copy(document) as DocumentNode, reads: () => reads };
}

/** `levels` fragments, each spreading the next one twice: 2^levels selections once expanded. */
function doublingFragments(levels: number, leaf = '__typename', on = 'Query'): string {
  const fragments = Array.from({ length: levels }, (_unused, index) => `fragment F${index} on ${on} { ...F${index + 1} ...F${index + 1} }`);
  return `${fragments.join('\n')}\nfragment F${levels} on ${on} { ${leaf} }`;
}

/** `levels` fields, each selecting the next (valid or not, they count towards depth). */
function nestedFields(levels: number): string {
  return `${'gateway { '.repeat(levels - 1)}region${' }'.repeat(levels - 1)}`;
}

function errorLevelLines(harness: Harness): string[] {
  return harness.log.lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

let open: Harness;
let closed: Harness;
beforeAll(async () => {
  open = await startHarness();
  closed = await startHarness({ app: { introspection: false } });
});
afterAll(async () => {
  await open.close();
  await closed.close();
});

describe('document bounds, checked before parsing', () => {
  it.each([
    ['fits the committed operations', readdirSync(OPERATIONS_DIRECTORY).map((file) => readFileSync(join(OPERATIONS_DIRECTORY, file), 'utf8')).join('\n')],
    ['fits the full introspection query', FULL_INTROSPECTION_QUERY],
    ['ignores brackets in strings, block strings and comments', `# ${'{'.repeat(100)}\n{ __typename } "${'['.repeat(100)}" """${'('.repeat(100)} \\""" """`],
  ])('%s', (_case, text) => {
    expect(documentLimitViolation(text)).toBeUndefined();
  });

  it.each([
    ['one byte over the size', `{ __typename }${' '.repeat(MAX_DOCUMENT_BYTES - 13)}`, `larger than ${MAX_DOCUMENT_BYTES} bytes`],
    ['multi-byte characters over the size', `{ __typename } # ${'é'.repeat(MAX_DOCUMENT_BYTES / 2)}`, `larger than ${MAX_DOCUMENT_BYTES} bytes`],
    ['one level too deep', `${'{ a '.repeat(MAX_DOCUMENT_NESTING + 1)}${'}'.repeat(MAX_DOCUMENT_NESTING + 1)}`, `more than ${MAX_DOCUMENT_NESTING} levels deep`],
    ['lists nested too deep', `{ f(a: ${'['.repeat(MAX_DOCUMENT_NESTING)}]) }`, `more than ${MAX_DOCUMENT_NESTING} levels deep`],
  ])('refuses %s', (_case, text, message) => {
    expect(documentLimitViolation(text)).toContain(message);
  });

  it('counts exactly the nesting limit as within it', () => {
    const atLimit = `${'['.repeat(MAX_DOCUMENT_NESTING)}${']'.repeat(MAX_DOCUMENT_NESTING)}`;
    expect(nestingExceeds(atLimit, MAX_DOCUMENT_NESTING)).toBe(false);
    expect(nestingExceeds(`[${atLimit}]`, MAX_DOCUMENT_NESTING)).toBe(true);
  });

  it.each([
    ['larger than the byte limit', `{ __typename ${'# padding\n'.repeat(MAX_DOCUMENT_BYTES / 10)}}`, `The GraphQL document is larger than ${MAX_DOCUMENT_BYTES} bytes. Images and other large values travel in variables, never in the document.`],
    ['over the token limit', `{ ${'__typename '.repeat(MAX_DOCUMENT_TOKENS)}}`, `The GraphQL document has more than ${MAX_DOCUMENT_TOKENS} tokens. Images and other large values travel in variables, never in the document.`],
    ['of 5,000 nested selections', `${'{a'.repeat(5000)}${'}'.repeat(5000)}`, `The GraphQL document nests brackets more than ${MAX_DOCUMENT_NESTING} levels deep.`],
    // Larger than the byte limit too, which is checked first.
    ['of 100,000 nested selections', `${'{a'.repeat(100_000)}${'}'.repeat(100_000)}`, `The GraphQL document is larger than ${MAX_DOCUMENT_BYTES} bytes. Images and other large values travel in variables, never in the document.`],
  ])('answers a document %s with 400 DOCUMENT_TOO_LARGE and logs no error', async (_case, query, message) => {
    const response = await sendGraphQL(open.app, query);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, extensions: { code: 'DOCUMENT_TOO_LARGE', retryable: false } }] });
    expect(errorLevelLines(open)).toEqual([]);
  });

  it('keeps a syntax error GRAPHQL_PARSE_FAILED', async () => {
    const response = await sendGraphQL(open.app, '{ gateway { region }');
    expect(response.status).toBe(400);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', retryable: false });
  });
});

describe('the parse caches', () => {
  it.each([
    ['8,000 comment lines (16 KB)', () => `{ __typename }\n${'#\n'.repeat(8000)}`],
    ['a few long comments', () => `{ __typename }\n${`# ${'c'.repeat(2000)}\n`.repeat(7)}`],
    ['1,000 tokens of fields', () => `{ ${Array.from({ length: 330 }, (_unused, field) => `a${field}: __typename`).join(' ')} }`],
    ['the usual operation', () => 'mutation GetSelfieToken($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken requestId expiresAt } }'],
  ])('charge at least the heap their entries hold, for documents of %s', (_case, document) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { documentCache } = createDocumentCaches();
    gc();
    const before = process.memoryUsage().heapUsed;
    // Parsed as yoga parses a request: the source text is the cache key, and the document points into it.
    for (let index = 0; index < 200; index += 1) {
      const text = `${document()}\n# ${index}`;
      documentCache.set(text, parseBounded(text));
    }
    gc();
    const held = process.memoryUsage().heapUsed - before;
    // Past the cache's bound the oldest entries were evicted (and collected): what is left is what is charged.
    expect(documentCache.size).toBeGreaterThan(5);
    expect(documentCache.calculatedSize).toBeGreaterThanOrEqual(held);
  });

  it('hold a bounded number of bytes, evicting the oldest documents', () => {
    const { documentCache } = createDocumentCaches();
    const text = (index: number) => `{ ${Array.from({ length: 300 }, (_unused, field) => `a${field}: __typename`).join(' ')} b${index}: __typename }`;
    const entryBytes = parse(text(0)).tokenCount! * AST_BYTES_PER_TOKEN;
    const entries = Math.ceil((2 * PARSE_CACHE_MAX_BYTES) / entryBytes);
    for (let index = 0; index < entries; index += 1) documentCache.set(text(index), parse(text(index)));
    expect(documentCache.calculatedSize).toBeLessThanOrEqual(PARSE_CACHE_MAX_BYTES);
    expect(documentCache.size).toBeLessThan(entries / 2 + 1);
    expect(documentCache.has(text(0))).toBe(false);
    expect(documentCache.has(text(entries - 1))).toBe(true);
  });
});

describe('operation limits, through fragments', () => {
  const schema = createSchema();
  const check = (query: string) => validate(schema, parse(query), [...specifiedRules, OperationLimitsRule, NoSubscriptionsRule]).map((error) => error.message);
  const selfie = (key: string) => `${key}: getSelfieToken(input: {}) { sdkToken }`;

  it.each([
    ['fragment spreads', `mutation M { ...A ...B } fragment A on Mutation { ${selfie('a')} ${selfie('b')} } fragment B on Mutation { ${selfie('c')} }`, 3],
    ['inline fragments', `mutation M { ... on Mutation { ${selfie('a')} } ... @include(if: true) { ${selfie('b')} ${selfie('c')} } }`, 3],
    ['nested fragments', `mutation M { ...A } fragment A on Mutation { ...B ${selfie('a')} } fragment B on Mutation { ... on Mutation { ${selfie('b')} ${selfie('c')} } }`, 3],
    ['twelve aliases behind doubling spreads', `mutation M { ...F0 } ${doublingFragments(3, Array.from({ length: 12 }, (_unused, index) => selfie(`t${index}`)).join(' '), 'Mutation')}`, 12],
  ])('counts token mutations in %s', (_case, query, tokens) => {
    expect(check(query)).toContain(`Operation "M" asks for ${tokens} tokens; the limit is ${MAX_TOKEN_MUTATIONS} per operation (each one is a Tencent call).`);
  });

  it.each([
    ['the same field selected twice (executed once)', `mutation M { ${selfie('a')} ${selfie('a')} ${selfie('b')} }`],
    ['one fragment spread twice (merged at execution)', `mutation M { ...A ...A } fragment A on Mutation { ${selfie('a')} ${selfie('b')} }`],
  ])('counts executions, not spellings: %s', (_case, query) => {
    expect(check(query)).toEqual([]);
  });

  it.each([
    ['through fragments', `{ ...A } fragment A on Query { gateway { ...B } } fragment B on Gateway { limits { a { b { c { d { e { f { g } } } } } } } }`, `The operation is nested ${MAX_DEPTH + 1} levels deep; the limit is ${MAX_DEPTH}.`],
    ['through inline fragments', `{ ... on Query { gateway { ... { limits { a { b { c { d { e { f { g } } } } } } } } } } }`, `The operation is nested ${MAX_DEPTH + 1} levels deep; the limit is ${MAX_DEPTH}.`],
    ['aliases in a fragment spread in two places', `{ gateway { ...A } other: gateway { ...A } } fragment A on Gateway { ${Array.from({ length: 5 }, (_unused, index) => `r${index}: region`).join(' ')} }`, `The operation uses 11 aliases; the limit is ${MAX_ALIASES}.`],
    ['aliases multiplied by doubling spreads', `{ ...F0 } ${doublingFragments(30, 'a: __typename')}`, `The operation uses at least 1000000 aliases; the limit is ${MAX_ALIASES}.`],
  ])('measures %s', (_case, query, message) => {
    expect(check(query)).toContain(message);
  });

  it.each([
    ['aliased introspection selections', `{ ${Array.from({ length: MAX_ALIASES + 1 }, (_unused, index) => `t${index}: __type(name: "Query") { name }`).join(' ')} }`, MAX_ALIASES + 1],
    ['aliases inside introspection', `{ __schema { ${Array.from({ length: MAX_ALIASES + 1 }, (_unused, index) => `t${index}: types { name }`).join(' ')} } }`, MAX_ALIASES + 1],
    [
      'aliases inside introspection, through a fragment spread in two places',
      `{ a: __type(name: "Query") { ...F } b: __type(name: "Mutation") { ...F } } fragment F on __Type { ${Array.from({ length: 5 }, (_unused, index) => `f${index}: fields { name }`).join(' ')} }`,
      12,
    ],
  ])('counts %s against the alias limit', (_case, query, aliases) => {
    expect(check(query)).toContain(`The operation uses ${aliases} aliases; the limit is ${MAX_ALIASES}.`);
  });

  it('lets the standard introspection query through: it has no aliases', () => {
    expect(JSON.stringify(parse(getIntrospectionQuery(), { noLocation: true }))).not.toContain('"alias"');
    expect(check(getIntrospectionQuery())).toEqual([]);
  });

  it('still counts the aliases of real fields next to introspection', () => {
    const query = `{ __schema { queryType { name } } ${Array.from({ length: MAX_ALIASES + 1 }, (_unused, index) => `g${index}: gateway { region }`).join(' ')} }`;
    expect(check(query)).toContain(`The operation uses 11 aliases; the limit is ${MAX_ALIASES}.`);
  });

  it('lets the full introspection query through whatever its depth, and no deeper selection of real fields', () => {
    expect(check(FULL_INTROSPECTION_QUERY)).toEqual([]);
    expect(check(`{ __schema { queryType { name } } ${nestedFields(MAX_DEPTH + 1)} }`)).toContain(
      `The operation is nested ${MAX_DEPTH + 1} levels deep; the limit is ${MAX_DEPTH}.`,
    );
  });

  it('validates doubling fragments with work linear in their number', () => {
    const readsFor = (levels: number) => {
      const { document, reads } = countingSelectionReads(parse(`{ ...F0 } ${doublingFragments(levels)}`));
      expect(validate(schema, document, [...specifiedRules, OperationLimitsRule])).toEqual([]);
      return reads();
    };
    const [small, large] = [readsFor(250), readsFor(1000)];
    console.log(`validation of 250 and 1,000 doubling fragment levels: ${small} and ${large} reads of a selection set (${(large / small).toFixed(2)}×)`);
    // Four times the fragments: linear work is about 4×, quadratic 16×; an exponential walk never finishes.
    expect(large / small).toBeLessThan(5);
  });
});

describe('through the app', () => {
  it('answers the full introspection query when introspection is on', async () => {
    const response = await sendGraphQL(open.app, FULL_INTROSPECTION_QUERY);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.__schema.queryType.name).toBe('Query');
  });

  it('refuses the full introspection query when introspection is off', async () => {
    const response = await sendGraphQL(closed.app, FULL_INTROSPECTION_QUERY);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', retryable: false });
  });

  it('refuses the 24-level doubling fragment document quickly, whatever it hides', async () => {
    const hidden = Array.from({ length: 12 }, (_unused, index) => `t${index}: getSelfieToken(input: {}) { sdkToken }`).join(' ');
    const response = await sendGraphQL(open.app, `mutation M { ...F0 } ${doublingFragments(24, hidden, 'Mutation')}`);
    expect(response.status).toBe(400);
    expect(response.body.errors!.map((error) => error.extensions!.code)).toContain('OPERATION_LIMIT_EXCEEDED');
    expect(open.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['one field', (copies: number) => `{ ${'__typename '.repeat(copies)}}`],
    ['one field of an object', (copies: number) => `{ gateway { ${'region '.repeat(copies)}} }`],
  ])('refuses an operation that repeats %s until graphql-js stops validating it, with OPERATION_LIMIT_EXCEEDED', async (_case, operation) => {
    const response = await sendGraphQL(open.app, operation(MAX_DOCUMENT_TOKENS - 10));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message:
            'The operation is too costly to validate: it repeats fields or fragment spreads so often that checking whether they can be merged was stopped. Select each field and spread each fragment once.',
          extensions: { code: 'OPERATION_LIMIT_EXCEEDED', retryable: false },
        },
      ],
    });
    expect(errorLevelLines(open)).toEqual([]);
  });

  it('still answers an operation that repeats a field a hundred times', async () => {
    const response = await sendGraphQL(open.app, `{ ${'__typename '.repeat(100)}}`);
    expect(response.body).toEqual({ data: { __typename: 'Query' } });
  });

  it.each([
    ['POST', { method: 'POST', body: JSON.stringify({ query: 'subscription S { gateway { region } }' }), headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' } }, 400],
    ['GET', { method: 'GET', headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/graphql-response+json' } }, 400],
    // Server-sent events announce their status before any result: the refusal travels as the stream's only event.
    ['POST accepting text/event-stream', { method: 'POST', body: JSON.stringify({ query: 'subscription S { gateway { region } }' }), headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }, 200],
  ])('refuses a subscription sent by %s with GRAPHQL_VALIDATION_FAILED', async (_case, init, status) => {
    const query = encodeURIComponent('subscription S { gateway { region } }');
    const response = await open.app.fetch(`http://gateway.test/graphql${init.method === 'GET' ? `?query=${query}` : ''}`, init);
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(text).toContain('{"message":"This API has no subscriptions: send a query or a mutation.","locations":[{"line":1,"column":1}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED","retryable":false}}');
  });
});
