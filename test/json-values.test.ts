import { describe, expect, it } from 'vitest';
import { MAX_BODY_JSON_VALUES, MAX_FORM_FIELDS, checkBodyJsonValues, scanJsonValues } from '../src/protection/json-values.js';

const countOf = (json: string) => scanJsonValues(Buffer.from(json), Number.MAX_SAFE_INTEGER).count;

describe('counting the values of a JSON body', () => {
  it.each([
    ['an empty object', '{}', 1],
    ['a flat object', '{"a":1,"b":2,"c":3}', 3],
    ['nested lists', '[[1,2],[3,[4]]]', 7],
    ['commas, brackets and braces inside strings', '{"query":"{ a, b { c } }","x":"[,,,{"}', 2],
    ['an escaped quote inside a string', '{"a":"say \\"hi\\", [ok]","b":[1]}', 3],
    ['a string ending in an escaped backslash', '{"a":"c:\\\\","b":[1,2]}', 4],
    ['a string ending in three backslashes and a quote', '{"a":"\\\\\\"[,]","b":1}', 2],
    ['an unterminated string', '{"a":[1,2],"b":"[[[', 4],
  ])('counts %s', (_name, json, marks) => {
    expect(countOf(json)).toBe(marks);
  });

  it('stops one past the bound, and says in which container', () => {
    const { count, excess } = scanJsonValues(Buffer.from(`{"variables":{"input":{"list":[${'{},'.repeat(1_000_000)}{}]}}}`), 100);
    expect(count).toBe(101);
    expect(excess).toEqual({ path: ['variables', 'input', 'list'], isList: true, items: 49 });
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/graphql+json', true],
    ['application/graphql', false],
    ['text/plain', false],
    [null, false],
  ])('reads a body sent as %s as JSON: %s', (contentType, counted) => {
    const body = Buffer.from(`{"query":"{ __typename }","extensions":{"a":[${'0,'.repeat(MAX_BODY_JSON_VALUES)}0]}}`);
    expect(checkBodyJsonValues(body, contentType) !== undefined).toBe(counted);
  });

  it.each([
    ['a list in the variables', `{"variables":{"input":{"cardOcrDisplayFields":[${'"N",'.repeat(20_000)}"N"]}}}`, 'input.cardOcrDisplayFields', /^input\.cardOcrDisplayFields is a list of more than \d+ items; no input of this schema takes more than 64\.$/],
    ['an object in the variables', `{"variables":{"input":{${Array.from({ length: 20_000 }, (_, i) => `"f${i}":1`).join(',')}}}}`, 'input', /^input has more than \d+ fields; no input of this schema has more than 64\.$/],
    ['the variables object itself', `{"variables":{${Array.from({ length: 17_000 }, (_, i) => `"v${i}":1`).join(',')}}}`, 'variables', /^variables has more than \d+ fields; no input of this schema has more than 64\.$/],
    ['the variables object after the query', `{"query":"{ __typename }","variables":{${Array.from({ length: 17_000 }, (_, i) => `"v${i}":1`).join(',')}}}`, 'variables', /^variables has more than \d+ fields/],
    ['nesting in the variables', `{"variables":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`, 'a[0][0][0][0][0][0][0][0]', /^a\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\[0\] is nested deeper than 8 levels\.$/],
    ['small lists in a list', `{"variables":{"a":[${'[1,2],'.repeat(6_000)}[1]]}}`, 'a', /^a is a list of more than \d+ items/],
    ['a list outside the variables', `{"extensions":{"a":[${'0,'.repeat(20_000)}0]}}`, undefined, /^The request body holds more than 16384 JSON values \(counted by the commas, brackets and braces outside strings\); no request to this API needs more than a few hundred\.$/],
  ])('names %s as the variables limits would', (_name, json, field, message) => {
    const refusal = checkBodyJsonValues(Buffer.from(json), 'application/json');
    expect(refusal?.field).toBe(field);
    expect(refusal?.message).toMatch(message);
  });

  it.each([
    ['a key that is no GraphQL name', '<b>hi</b>', '…'],
    ['an escaped key', 'in\\u0070ut', '…'],
    ['a key with a name of 64 characters and more after it', `${'k'.repeat(64)} <script>`, `${'k'.repeat(64)}…`],
  ])('never repeats %s in a reported field', (_name, key, reported) => {
    const refusal = checkBodyJsonValues(Buffer.from(`{"variables":{"${key}":[${'0,'.repeat(20_000)}0]}}`), 'application/json');
    expect(refusal?.field).toBe(reported);
    expect(refusal?.message.startsWith(`${reported} is a list of more than`)).toBe(true);
  });

  it('cuts a long key in a reported field', () => {
    const refusal = checkBodyJsonValues(Buffer.from(`{"variables":{"${'k'.repeat(10_000)}":[${'0,'.repeat(20_000)}0]}}`), 'application/json');
    expect(refusal?.field).toBe(`${'k'.repeat(64)}…`);
  });

  it('reads the variables and extensions of a form, wherever they are encoded', () => {
    const variables = `{"a":[${'0,'.repeat(MAX_BODY_JSON_VALUES / 2)}0]}`;
    const form = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
    const check = (fields: Record<string, string>) => checkBodyJsonValues(form(fields), 'application/x-www-form-urlencoded');
    expect(check({ query: '{ __typename }', variables })).toBeUndefined();
    expect(check({ query: '{ __typename }', variables, extensions: variables })?.field).toBeUndefined();
    expect(check({ query: '{ __typename }', variables: `{"a":[${'0,'.repeat(MAX_BODY_JSON_VALUES)}0]}` })?.field).toBe('a');
    expect(check({ query: `{ ${','.repeat(MAX_BODY_JSON_VALUES * 2)} }` })).toBeUndefined();
  });

  it(`holds a form of ${MAX_FORM_FIELDS} fields to it, and refuses one more, empty ones included`, () => {
    const form = (fields: number, filler = 'x=1') => Buffer.from(['query=%7B+__typename+%7D', ...Array.from({ length: fields - 1 }, () => filler)].join('&'));
    const message = `The form has more than ${MAX_FORM_FIELDS} fields; a GraphQL request has at most four: query, operationName, variables and extensions.`;
    expect(checkBodyJsonValues(form(MAX_FORM_FIELDS), 'application/x-www-form-urlencoded')).toBeUndefined();
    expect(checkBodyJsonValues(form(MAX_FORM_FIELDS + 1), 'application/x-www-form-urlencoded')).toEqual({ field: undefined, message });
    expect(checkBodyJsonValues(form(4_000_000, ''), 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({ field: undefined, message });
    // An ampersand inside a value is encoded (%26), and is no separator.
    expect(checkBodyJsonValues(Buffer.from(new URLSearchParams({ query: '{ __typename }', variables: `{"a":"${'&'.repeat(100)}"}` }).toString()), 'application/x-www-form-urlencoded')).toBeUndefined();
    // A JSON body's ampersands are text.
    expect(checkBodyJsonValues(Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { a: '&'.repeat(100) } })), 'application/json')).toBeUndefined();
  });

  it('holds a body of exactly the bound to it, and refuses one more', () => {
    const withMarks = (marks: number) => Buffer.from(`[${'0,'.repeat(marks - 1)}0]`);
    expect(checkBodyJsonValues(withMarks(MAX_BODY_JSON_VALUES), 'application/json')).toBeUndefined();
    expect(checkBodyJsonValues(withMarks(MAX_BODY_JSON_VALUES + 1), 'application/json')).toBeDefined();
  });
});
