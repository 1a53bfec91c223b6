import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKYC_MUTATION, SELFIE_MUTATION, startHarness, uncheckedRequest, type GraphQLRequest, type Harness } from './helpers/harness.js';
import { sendGraphQL } from './helpers/requests.js';

/** A value no message may repeat: any 24-character run of it in a response or a log line is an echo. */
const SENTINEL = 'ECHO-SENTINEL-must-never-come-back-'.repeat(30);
/** The same, spelled as a GraphQL name (for enum literals and field names in the document). */
const SENTINEL_NAME = `ECHO_SENTINEL_${'x'.repeat(200)}`;
/** A 4 MB "image" of the wrong type. */
const LARGE_IMAGE = `${SENTINEL}${'A'.repeat(4 * 1024 * 1024)}`;

const selfie = (input: Record<string, unknown>) => uncheckedRequest(SELFIE_MUTATION, { input });
const ekyc = (input: Record<string, unknown>) => uncheckedRequest(EKYC_MUTATION, { input });
const literal = (input: string): GraphQLRequest => ({ query: `mutation { getSelfieToken(input: ${input}) { sdkToken } }` });

const CASES: Array<[string, GraphQLRequest]> = [
  ['a string for an Int', selfie({ retryLimit: SENTINEL })],
  ['an object for a String', selfie({ extra: { note: SENTINEL } })],
  ['a list holding a 4 MB image for a String', selfie({ image: [LARGE_IMAGE] })],
  ['a 4 MB image beside an unknown field', selfie({ image: LARGE_IMAGE, checkMode: 'LIVENESS', nope: true })],
  ['an unknown enum value', selfie({ checkMode: SENTINEL })],
  ['an unknown enum value in a list', selfie({ actionList: ['BLINK', SENTINEL] })],
  ['an object in an enum list', selfie({ actionList: [{ action: SENTINEL }] })],
  ['an unknown input field name', ekyc({ [SENTINEL]: true })],
  ['an unknown input field holding the value', ekyc({ unknownField: SENTINEL })],
  ['a string for the input object', uncheckedRequest(SELFIE_MUTATION, { input: SENTINEL })],
  ['null for the required input beside other variables', uncheckedRequest(SELFIE_MUTATION, { input: null, other: SENTINEL })],
  ['a string literal for an Int', literal(`{ retryLimit: "${SENTINEL}" }`)],
  ['an object literal for a String', literal(`{ extra: { note: "${SENTINEL}" } }`)],
  ['an unknown enum literal', literal(`{ checkMode: ${SENTINEL_NAME} }`)],
  ['a string literal for an enum', literal(`{ checkMode: "${SENTINEL}" }`)],
  ['an unknown input field literal', literal(`{ ${SENTINEL_NAME}: "${SENTINEL}" }`)],
  ['a list literal of wrong items', literal(`{ actionList: ["${SENTINEL}", ${SENTINEL_NAME}] }`)],
  ['a string where a selection is expected', { query: `{ "${SENTINEL}" }` }],
  ['a string holding a quote where a selection is expected', { query: `{ "ab\\"${SENTINEL}" }` }],
  ['a block string holding triple quotes where a selection is expected', { query: `{ """a\\"""${SENTINEL}""" }` }],
  ['a string holding a quote where a variable type is expected', { query: `query Q($v: "a\\"${SENTINEL}") { __typename }` }],
  ['an unknown field name', { query: `{ ${SENTINEL_NAME} }` }],
  ['an unknown argument name', { query: `{ gateway(${SENTINEL_NAME}: 1) { region } }` }],
];

/** Whether `text` contains any 24-character run of `secret`. */
function echoes(text: string, secret: string): boolean {
  for (let start = 0; start + 24 <= secret.length; start += 12) if (text.includes(secret.slice(start, start + 24))) return true;
  return false;
}

describe.each([
  ['on', true],
  ['off', false],
])('with introspection %s', (_label, introspection) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ app: { introspection } });
  });
  afterAll(() => harness.close());

  it.each(CASES)('refuses %s without repeating the value in the response or the log', async (_case, request) => {
    const response = await sendGraphQL(harness.app, request);
    expect(response.status).toBe(400);
    expect(response.body.errors!.length).toBeGreaterThan(0);
    for (const error of response.body.errors!) expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(error.extensions!.code);
    expect(echoes(response.text, SENTINEL)).toBe(false);
    expect(echoes(response.text, SENTINEL_NAME)).toBe(false);
    const log = harness.log.lines.join('\n');
    expect(echoes(log, SENTINEL)).toBe(false);
    expect(echoes(log, SENTINEL_NAME)).toBe(false);
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['a body that is not JSON', `{"query": "{ __typename }", "variables": ${SENTINEL}`],
    ['a JSON body that is not an object', JSON.stringify([SENTINEL])],
    ['a body with an unknown parameter', JSON.stringify({ query: '{ __typename }', [SENTINEL_NAME]: SENTINEL })],
    ['a body with an unknown parameter whose name holds a quote', JSON.stringify({ query: '{ __typename }', [`a"${SENTINEL}`]: 1 })],
  ])('refuses %s without repeating it', async (_case, body) => {
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text).errors[0].extensions).toEqual({ code: 'BAD_REQUEST', retryable: false });
    expect(echoes(text, SENTINEL)).toBe(false);
    expect(echoes(text, SENTINEL_NAME)).toBe(false);
    expect(echoes(harness.log.lines.join('\n'), SENTINEL)).toBe(false);
  });
});

describe('error messages', () => {
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

  it.each([
    [
      'a variable of the wrong scalar type',
      selfie({ image: 12345 }),
      ['Variable "$input" has an invalid value at "input.image": String cannot represent a non string value.'],
    ],
    [
      'a list item of the wrong type',
      selfie({ actionList: ['BLINK', 7] }),
      ['Variable "$input" has an invalid value at "input.actionList[1]": Enum "Action" cannot represent a non-string value.'],
    ],
    [
      'a long unknown field name',
      ekyc({ [SENTINEL]: true }),
      ['Variable "$input" has an invalid value: A field that type "ApplyEkycTokenInput" does not define was given.'],
    ],
    [
      'an object literal for a String',
      literal('{ extra: { note: "private" } }'),
      ['String cannot represent a non string value.'],
    ],
    [
      'a literal of the wrong type',
      literal('{ retryLimit: "three" }'),
      ['Int cannot represent non-integer value.'],
    ],
  ])('name the path and the problem of %s, not the value', async (_case, request, messages) => {
    const response = await sendGraphQL(open.app, request);
    expect(response.body.errors!.map((error) => error.message)).toEqual(messages);
  });

  it.each([
    ['a name', 'doc_id', 'Unexpected parameter "doc_id" in the request body.'],
    ['control and bidirectional-override characters', 'a\u202eb\n\u0000', 'Unexpected parameter "…" in the request body.'],
    ['a quote', 'a"b', 'Unexpected parameter "…" in the request body.'],
    ['a space', 'a b', 'Unexpected parameter "…" in the request body.'],
    ['a name over 64 characters', 'k'.repeat(65), 'Unexpected parameter "…" in the request body.'],
  ])('repeat an unexpected body key only when it is a short name: %s', async (_case, key, message) => {
    const response = await open.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', [key]: 1 }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ message: string }> }).errors.map((error) => error.message)).toEqual([message]);
  });

  it.each([
    ['a misspelt field', '{ gatewy { region } }', 'Cannot query field "gatewy" on type "Query". Did you mean "gateway"?', 'Cannot query field "gatewy" on type "Query".'],
    [
      'a misspelt enum literal',
      'mutation { getSelfieToken(input: { checkMode: LIVENES }) { sdkToken } }',
      'The value is not one of the values of enum "CheckMode". Did you mean the enum value "LIVENESS"?',
      'The value is not one of the values of enum "CheckMode".',
    ],
    [
      'a misspelt input field',
      'mutation { getSelfieToken(input: { chekMode: LIVENESS }) { sdkToken } }',
      'Field "chekMode" is not defined by type "GetSelfieTokenInput". Did you mean "checkMode"?',
      'Field "chekMode" is not defined by type "GetSelfieTokenInput".',
    ],
    [
      'a misspelt argument',
      'mutation { getSelfieToken(inputs: {}) { sdkToken } }',
      'Unknown argument "inputs" on field "Mutation.getSelfieToken". Did you mean "input"?',
      'Unknown argument "inputs" on field "Mutation.getSelfieToken".',
    ],
  ])('suggest names for %s only while introspection is on', async (_case, query, withIntrospection, withoutIntrospection) => {
    expect((await sendGraphQL(open.app, query)).body.errors![0]!.message).toBe(withIntrospection);
    expect((await sendGraphQL(closed.app, query)).body.errors![0]!.message).toBe(withoutIntrospection);
  });
});
