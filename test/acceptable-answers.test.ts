import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANSWER_MEDIA_TYPES, NOT_ACCEPTABLE_MESSAGE, acceptsAnAnswer } from '../src/protection/acceptable-answers.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { SELFIE, sendGraphQL } from './helpers/requests.js';

/** A graphql-yoga with its defaults: the oracle of what yoga answers, and in which cases it answers 406. */
const bareYoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
  logging: false,
});

async function yogaRefuses(accept: string | null): Promise<boolean> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accept !== null) headers.accept = accept;
  const response = await bareYoga.fetch('http://yoga.test/graphql', { method: 'POST', headers, body: '{"query":"{ ok }"}' });
  await response.text();
  return response.status === 406;
}

/** Accept headers of browsers, clients and mistakes. */
const NOTABLE_ACCEPTS: Array<string | null> = [
  null,
  '',
  '*/*',
  'application/json',
  'application/graphql-response+json, application/json',
  'application/graphql-response+json;charset=utf-8, application/json;charset=utf-8',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'text/html',
  'application/xml',
  'text/plain',
  'text/*',
  'application/*',
  'multipart/mixed;deferSpec=20220824, application/json',
  'text/event-stream',
  'multipart/mixed',
  'APPLICATION/JSON',
  ' application / json ',
  'application/json; charset=iso-8859-1',
  'application/json; charset=UTF-8',
  'application/json;q=0',
  'application/json;q=0, text/html',
  'application/graphql-response+json; charset=latin1, text/html',
  '*',
  '*/json',
  'image/*',
  ',,,',
  ';',
  '/',
  'application/json, text/html; charset=utf-16',
];

/** Random headers from the pieces that change yoga's reading: types, wildcards, parameters, spacing, case, commas. */
function randomAccepts(count: number, seed: number): string[] {
  let state = seed;
  const next = (below: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % below;
  };
  const pick = <T>(items: readonly T[]) => items[next(items.length)]!;
  const types = ['application', 'text', 'multipart', 'image', '*', 'APPLICATION', 'Text', ''];
  const subtypes = ['json', 'graphql-response+json', 'event-stream', 'mixed', 'html', 'xml', '*', 'JSON', 'plain', ''];
  const parameters = ['', ';q=0.5', ';q=0', ';charset=utf-8', ';charset=UTF-8', ';charset=latin1', '; charset = utf-8', ';deferSpec=20220824', ';x=charset=utf-8'];
  const spaces = ['', ' ', '  ', '\t'];
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + next(3) }, () => `${pick(spaces)}${pick(types)}${next(10) === 0 ? '' : '/'}${pick(subtypes)}${pick(parameters)}${pick(spaces)}`).join(
      pick([',', ', ', ' ,']),
    ),
  );
}

describe('acceptsAnAnswer', () => {
  it.each(NOTABLE_ACCEPTS.map((accept) => [JSON.stringify(accept), accept] as const))('reads %s as graphql-yoga does', async (_shown, accept) => {
    expect(acceptsAnAnswer(accept)).toBe(!(await yogaRefuses(accept)));
  });

  it('reads 500 random Accept headers as graphql-yoga does', async () => {
    const disagreements: string[] = [];
    let refused = 0;
    for (const accept of randomAccepts(500, 20261126)) {
      const yogaAnswers = !(await yogaRefuses(accept));
      if (!yogaAnswers) refused++;
      if (acceptsAnAnswer(accept) !== yogaAnswers) disagreements.push(accept);
    }
    expect(disagreements).toEqual([]);
    // Both kinds of header are among them, or the comparison would prove nothing.
    expect(refused).toBeGreaterThan(50);
    expect(refused).toBeLessThan(450);
  });

  it('takes each media type yoga answers in', () => {
    for (const mediaType of ANSWER_MEDIA_TYPES) expect(acceptsAnAnswer(mediaType)).toBe(true);
  });
});

describe('a request whose Accept header allows no answer', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.emulator.clearRecords());

  it.each(['text/html', 'application/xml', 'application/json; charset=iso-8859-1', 'image/*, audio/*'])(
    'is refused with 406 NOT_ACCEPTABLE as JSON before the mutation runs (Accept: %s)',
    async (accept) => {
      const response = await sendGraphQL(harness.app, SELFIE, { headers: { accept } });
      expect(response.status).toBe(406);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.body).toEqual({ errors: [{ message: NOT_ACCEPTABLE_MESSAGE, extensions: { code: 'NOT_ACCEPTABLE', retryable: false } }] });
      expect(harness.emulator.requests).toHaveLength(0);
    },
  );

  it('is logged with its code and status, and the message never repeats the header', async () => {
    const response = await sendGraphQL(harness.app, SELFIE, { headers: { accept: 'text/x-marker-6f1d' } });
    expect(response.text).not.toContain('marker-6f1d');
    const line = harness.log.entries().filter((entry) => entry.msg === 'request').at(-1);
    expect(line).toMatchObject({ status: 406, outcome: 'NOT_ACCEPTABLE', tencentRequestIds: [] });
  });

  it('is told of an earlier refusal with that refusal, as JSON, rather than an empty 406', async () => {
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/html' },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await response.json()).errors[0].extensions).toEqual({ code: 'CSRF_PREVENTED', retryable: false });
  });
});

describe('a request that accepts a stream', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each([
    ['text/event-stream', 'text/event-stream'],
    ['multipart/mixed', 'multipart/mixed'],
  ])('gets the minted token (Accept: %s)', async (accept, contentType) => {
    harness.emulator.clearRecords();
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify(SELFIE),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(contentType);
    expect(harness.emulator.requests).toHaveLength(1);
    const sdkToken = /"sdkToken":"([^"]+)"/.exec(text)?.[1];
    expect(sdkToken).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('answers server-sent events without `Content-Encoding: none`, which is no content coding', async () => {
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    await response.text();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect([...response.headers.keys()].map((name) => name.toLowerCase())).not.toContain('content-encoding');
  });
});
