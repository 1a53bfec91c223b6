import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EkycVerificationResultDocument,
  SelfieVerificationResultDocument,
  type ApplyEkycTokenInput,
  type GetSelfieTokenInput,
} from '../schema/generated/graphql.js';
import { createAuthenticator, hashApiKey } from '../src/auth/authenticate.js';
import { EMULATOR_OUTCOME_CODES, type EmulatorOutcome } from '../src/emulator/index.js';
import { createMetrics } from '../src/observability/metrics.js';
import { MAX_ENTITY_REFERENCES } from '../src/schema/verification-result.js';
import { API_KEYS, REQUIRED_AUTH, signToken } from './helpers/credentials.js';
import {
  EKYC_MUTATION,
  SAMPLE_IMAGE_BASE64,
  SELFIE_MUTATION,
  graphqlRequest,
  startHarness,
  type Harness,
} from './helpers/harness.js';
import { sendGraphQL } from './helpers/requests.js';

const RESULT_ACTIONS = ['GetFaceIdResultIntl', 'GetSdkVerificationResult'];
const OUTCOMES = Object.keys(EMULATOR_OUTCOME_CODES) as EmulatorOutcome[];
const BACKEND_KEY = 'ak_result_backend_00112233445566778899';
const AUTH = {
  ...REQUIRED_AUTH,
  apiKeys: [...(REQUIRED_AUTH.mode === 'required' ? REQUIRED_AUTH.apiKeys : []), { name: 'result-backend', sha256: hashApiKey(BACKEND_KEY), scopes: ['faceid:result'] }],
} as const;

/**
 * Shifts the clocks of the client and the emulator together, so signatures stay valid while results age. It only
 * moves forward: the throttles remember when they granted slots, and a clock turned back would see them as future.
 */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;

let harness: Harness;
const metrics = createMetrics();
beforeAll(async () => {
  harness = await startHarness({ client: { now, observer: metrics.clientObserver }, emulator: { now } });
});
afterAll(() => harness.close());
beforeEach(() => harness.emulator.clearRecords());

async function mintSelfie(input: GetSelfieTokenInput = {}) {
  const response = await harness.graphql(SELFIE_MUTATION, { input });
  return response.body.data!.getSelfieToken.sdkToken;
}

async function mintEkyc(input: ApplyEkycTokenInput = {}) {
  const response = await harness.graphql(EKYC_MUTATION, { input });
  return response.body.data!.applyEkycToken.sdkToken;
}

/** Completes a verification through the emulator's HTTP control, as a tester would. */
async function complete(sdkToken: string, outcome: string) {
  const response = await fetch(`${harness.emulator.url}/__emulator/verifications/${sdkToken}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function resultReads() {
  return harness.emulator.requests.filter((request) => RESULT_ACTIONS.includes(request.action));
}

describe('mint → complete → read, through the gateway', () => {
  it.each(OUTCOMES)('reads a selfie verification completed as %s', async (outcome) => {
    const sdkToken = await mintSelfie();
    expect((await complete(sdkToken, outcome)).status).toBe(200);

    const response = await harness.graphql(SelfieVerificationResultDocument, { sdkToken });

    expect(response.body.errors).toBeUndefined();
    const result = response.body.data!.selfieVerificationResult;
    expect({ sdkToken: result.sdkToken, outcome: result.outcome, resultCode: result.result.resultCode }).toEqual({
      sdkToken,
      outcome,
      resultCode: EMULATOR_OUTCOME_CODES[outcome],
    });
    expect(result).not.toHaveProperty('bestFrame');
  });

  it.each(OUTCOMES)('reads an eKYC verification completed as %s', async (outcome) => {
    const sdkToken = await mintEkyc();
    await complete(sdkToken, outcome);

    const response = await harness.graphql(EkycVerificationResultDocument, { sdkToken });

    const result = response.body.data!.ekycVerificationResult;
    expect({ outcome: result.outcome, resultCode: result.result.resultCode }).toEqual({ outcome, resultCode: EMULATOR_OUTCOME_CODES[outcome] });
    if (outcome !== 'NOT_FINISHED') {
      const last = result.compareAttempts.at(-1)!;
      expect({ authoritative: last.authoritative, outcome: last.result.outcome }).toEqual({ authoritative: true, outcome });
      expect(result.compareAttempts.filter((attempt) => attempt.authoritative)).toHaveLength(1);
    }
  });

  it('reads NOT_FINISHED for a token nobody completed, with no attempts', async () => {
    const sdkToken = await mintEkyc();

    const response = await harness.graphql(EkycVerificationResultDocument, { sdkToken });

    expect(response.body.data!.ekycVerificationResult).toMatchObject({
      outcome: 'NOT_FINISHED',
      result: { resultCode: '-999', description: "The verification process wasn't finished." },
      chargeCount: 0,
      cardAttempts: [],
      compareAttempts: [],
    });
  });

  it('types the OCR of the authoritative document attempt, and the retry that preceded a success', async () => {
    const sdkToken = await mintEkyc({ idCardType: 'HONG_KONG_ID_CARD', extra: 'order-42' });
    await complete(sdkToken, 'SUCCESS');

    const result = (await harness.graphql(EkycVerificationResultDocument, { sdkToken })).body.data!.ekycVerificationResult;

    expect(result.extra).toBe('order-42');
    expect(result.compareAttempts.map((attempt) => [attempt.result.outcome, attempt.authoritative])).toEqual([
      ['NO_COMPLETE_FACE', false],
      ['SUCCESS', true],
    ]);
    expect(result.cardAttempts[0]).toMatchObject({
      authoritative: true,
      passed: true,
      ocr: {
        documentKind: 'HKIDCard',
        fullName: 'CHAN, Tai Man',
        documentNumber: 'Z683365(5)',
        birthDate: '01-01-1990',
        sex: 'M',
        issueDate: '15-09-18',
      },
    });
    expect(result.cardAttempts[0]!.ocr!.fields).toContainEqual({ name: 'TelexCode', value: '7115 1129 2429' });
  });

  it('gives file URLs that download the exact bytes their md5 and size describe', async () => {
    const sdkToken = await mintEkyc();
    await complete(sdkToken, 'SUCCESS');

    const result = (await harness.graphql(EkycVerificationResultDocument, { sdkToken, withFiles: true })).body.data!.ekycVerificationResult;
    const image = result.cardAttempts[0]!.cardImage!;
    const bytes = Buffer.from(await (await fetch(image.url)).arrayBuffer());

    const { createHash } = await import('node:crypto');
    expect({ md5: createHash('md5').update(bytes).digest('hex'), size: bytes.length }).toEqual({ md5: image.md5, size: image.sizeBytes });
    expect(Date.parse(image.expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
  });

  it('reads each result through its own action and throttle', async () => {
    const selfie = await mintSelfie();
    const ekyc = await mintEkyc();
    await harness.graphql(SelfieVerificationResultDocument, { sdkToken: selfie });
    await harness.graphql(EkycVerificationResultDocument, { sdkToken: ekyc });

    expect(resultReads().map((request) => [request.action, JSON.parse(request.body)])).toEqual([
      ['GetFaceIdResultIntl', { SdkToken: selfie }],
      ['GetSdkVerificationResult', { SdkToken: ekyc }],
    ]);
    expect(Object.keys(harness.faceid.throttles)).toEqual(expect.arrayContaining(RESULT_ACTIONS));
    expect(harness.faceid.throttles.GetFaceIdResultIntl).not.toBe(harness.faceid.throttles.GetSdkVerificationResult);
  });
});

describe('token errors', () => {
  it.each([
    ['a token the emulator never minted', async () => 'F0000000-0000-4000-8000-000000000000', 'SDK_TOKEN_UNKNOWN', 404],
    ['a selfie token read as an eKYC result', () => mintSelfie(), 'SDK_TOKEN_UNKNOWN', 404],
  ])('answers %s with %s', async (_case, token, code, status) => {
    const sdkToken = await token();

    const response = await harness.graphql(EkycVerificationResultDocument, { sdkToken });

    expect(response.status).toBe(status);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code, retryable: false, tencentCode: 'InvalidParameterValue.BizTokenIllegal' });
    expect(response.body.errors![0]!.message).not.toContain(sdkToken);
  });

  it('answers SDK_TOKEN_EXPIRED once Tencent no longer keeps the result (72 hours for a selfie)', async () => {
    const sdkToken = await mintSelfie();
    await complete(sdkToken, 'SUCCESS');
    clockOffsetMs += 72 * 3600_000 + 60_000;

    const response = await harness.graphql(SelfieVerificationResultDocument, { sdkToken });

    expect(response.status).toBe(410);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'SDK_TOKEN_EXPIRED', retryable: false, tencentCode: 'InvalidParameterValue.BizTokenExpired' });
  });

  it.each([
    ['an empty token', ''],
    ['a token with a space', 'not a token'],
    ['a token of 129 characters', 'A'.repeat(129)],
  ])('refuses %s as BAD_USER_INPUT without calling Tencent', async (_case, sdkToken) => {
    const response = await harness.graphql(SelfieVerificationResultDocument, { sdkToken });

    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sdkToken' });
    expect(resultReads()).toEqual([]);
  });
});

describe('the emulator control', () => {
  it.each([
    ['an unknown token', 'F0000000-0000-4000-8000-000000000000', 'SUCCESS', 0, 404],
    ['an unknown outcome', undefined, 'PASSED', 0, 400],
    ['a selfie token past its 10 minutes', undefined, 'SUCCESS', 10 * 60_000 + 1000, 409],
  ])('refuses %s', async (_case, fixedToken, outcome, ageMs, status) => {
    const sdkToken = fixedToken ?? (await mintSelfie());
    clockOffsetMs += ageMs;

    expect((await complete(sdkToken, outcome)).status).toBe(status);
  });

  it('answers what it completed', async () => {
    const sdkToken = await mintEkyc();

    expect(await complete(sdkToken, 'SIMILARITY_BELOW_THRESHOLD')).toEqual({
      status: 200,
      body: { sdkToken, kind: 'ekyc', outcome: 'SIMILARITY_BELOW_THRESHOLD', resultCode: '2016' },
    });
  });
});

describe('who may read results', () => {
  let guarded: Harness;
  beforeAll(async () => {
    guarded = await startHarness({ app: { authenticate: createAuthenticator(AUTH) } });
  });
  afterAll(() => guarded.close());

  const read = (headers: Record<string, string>) =>
    sendGraphQL(guarded.app, graphqlRequest(SelfieVerificationResultDocument, { sdkToken: 'F0000000-0000-4000-8000-000000000000' }), { headers });

  it.each([
    ['no credentials', async () => ({}), 401, 'UNAUTHENTICATED'],
    ['a frontend JWT with the token scopes', async () => ({ authorization: `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc' })}` }), 403, 'FORBIDDEN'],
    ['an API key with faceid:selfie only', async () => ({ 'x-api-key': API_KEYS.selfieBackend }), 403, 'FORBIDDEN'],
  ])('refuses %s without calling Tencent', async (_case, headers, status, code) => {
    guarded.emulator.clearRecords();

    const response = await read(await headers());

    expect(response.status).toBe(status);
    expect(response.body.errors![0]!.extensions!.code).toBe(code);
    expect(guarded.emulator.requests).toEqual([]);
  });

  it('lets a backend key with faceid:result read (here: a token Tencent does not know)', async () => {
    const response = await read({ 'x-api-key': BACKEND_KEY });

    expect(response.body.errors![0]!.extensions!.code).toBe('SDK_TOKEN_UNKNOWN');
    expect(guarded.emulator.requests.map((request) => request.action)).toEqual(['GetFaceIdResultIntl']);
  });
});

describe('results as federation entities keyed by sdkToken', () => {
  let guarded: Harness;
  beforeAll(async () => {
    guarded = await startHarness({ app: { authenticate: createAuthenticator(AUTH) } });
  });
  afterAll(() => guarded.close());

  /** What a router sends to resolve references another subgraph returned. */
  const ENTITIES_QUERY = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on SelfieVerificationResult { sdkToken outcome }
      ... on EkycVerificationResult { sdkToken outcome chargeCount }
    }
  }`;
  const resolve = (representations: unknown[], headers: Record<string, string>) =>
    sendGraphQL(guarded.app, { query: ENTITIES_QUERY, variables: { representations } }, { headers });

  it('resolves both kinds of reference with one Tencent read each, as no-store', async () => {
    // Minted straight through the client: this gateway requires credentials, and minting is not what is tested.
    const selfie = (await guarded.faceid.getSelfieToken({})).sdkToken;
    const ekyc = (await guarded.faceid.applyEkycToken({})).sdkToken;
    guarded.emulator.completeVerification(ekyc, 'SUCCESS');
    guarded.emulator.clearRecords();

    const response = await resolve(
      [
        { __typename: 'SelfieVerificationResult', sdkToken: selfie },
        { __typename: 'EkycVerificationResult', sdkToken: ekyc },
      ],
      { 'x-api-key': BACKEND_KEY },
    );

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!._entities).toEqual([
      { sdkToken: selfie, outcome: 'NOT_FINISHED' },
      { sdkToken: ekyc, outcome: 'SUCCESS', chargeCount: expect.any(Number) },
    ]);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(guarded.emulator.requests.map((request) => request.action).sort()).toEqual(['GetFaceIdResultIntl', 'GetSdkVerificationResult']);
  });

  it.each(['application/graphql-response+json', 'application/json'])(
    'answers a partial result (one reference of two unknown) 200 with the other result and the error code, to %s',
    async (accept) => {
      const selfie = (await guarded.faceid.getSelfieToken({})).sdkToken;
      const unknown = 'F0000000-0000-4000-8000-000000000000';

      const response = await resolve(
        [
          { __typename: 'SelfieVerificationResult', sdkToken: selfie },
          { __typename: 'SelfieVerificationResult', sdkToken: unknown },
        ],
        { 'x-api-key': BACKEND_KEY, accept },
      );

      // GraphQL over HTTP: a response whose data is not null MUST have a 2xx status.
      expect(response.status).toBe(200);
      expect(response.body.data!._entities).toEqual([{ sdkToken: selfie, outcome: 'NOT_FINISHED' }, null]);
      expect(response.body.errors!.map((error) => [(error as { path?: unknown }).path, error.extensions])).toEqual([
        [['_entities', 1], { code: 'SDK_TOKEN_UNKNOWN', retryable: false, tencentCode: 'InvalidParameterValue.BizTokenIllegal', requestId: expect.any(String) }],
      ]);
    },
  );

  it.each<[string, unknown, string]>([
    ['a number for sdkToken', { __typename: 'SelfieVerificationResult', sdkToken: 5 }, 'representations[0].sdkToken'],
    ['null for sdkToken', { __typename: 'EkycVerificationResult', sdkToken: null }, 'representations[0].sdkToken'],
    ['no sdkToken', { __typename: 'EkycVerificationResult' }, 'representations[0].sdkToken'],
    ['an unknown type, named at length', { __typename: `Nope${'X'.repeat(14_000)}`, sdkToken: 'a' }, 'representations[0].__typename'],
    ['a type of the schema that is no entity', { __typename: 'Gateway', sdkToken: 'a' }, 'representations[0].__typename'],
    ['no __typename', { sdkToken: 'a' }, 'representations[0].__typename'],
    ['a number', 5, 'representations[0]'],
  ])('refuses a reference with %s as BAD_USER_INPUT naming it, logging no error and echoing nothing', async (_case, reference, field) => {
    guarded.emulator.clearRecords();
    const linesBefore = guarded.log.lines.length;

    const response = await resolve([reference], { 'x-api-key': BACKEND_KEY });

    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(response.text).not.toContain('XXXXXXXXXX');
    const lines = guarded.log.lines.slice(linesBefore);
    expect(lines.join('\n')).not.toContain('XXXXXXXXXX');
    expect(lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toEqual([]);
    expect(guarded.emulator.requests).toEqual([]);
  });

  it.each([
    ['characters no SDK token has', 'bad token!', 'must be an SDK token as minted'],
    ['an empty string', '  ', 'must not be empty'],
    ['more characters than any SDK token', 'A'.repeat(10_000), 'is 10000 characters; SDK tokens are at most'],
  ])('refuses a reference whose sdkToken has %s, naming it, before any reference is read', async (_case, sdkToken, problem) => {
    guarded.emulator.clearRecords();
    const good = { __typename: 'SelfieVerificationResult', sdkToken: 'F0000000-0000-4000-8000-000000000000' };

    const response = await resolve([good, { __typename: 'EkycVerificationResult', sdkToken }], { 'x-api-key': BACKEND_KEY });

    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.message).toContain(`representations[1].sdkToken: ${problem}`);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field: 'representations[1].sdkToken' });
    expect(response.text).not.toContain('AAAAAAAAAA');
    expect(guarded.emulator.requests).toEqual([]);
  });

  it.each([
    ['no credentials', async () => ({}), 'UNAUTHENTICATED'],
    ['a frontend JWT with the token scopes', async () => ({ authorization: `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc' })}` }), 'FORBIDDEN'],
  ])('tells a caller with %s that it may not read results before judging its references', async (_case, headers, code) => {
    const response = await resolve([{ __typename: 'Nope', sdkToken: 7 }], await headers());

    expect(response.body.errors![0]!.extensions!.code).toBe(code);
    if (code === 'FORBIDDEN') expect(response.body.errors![0]!.message).toContain('lack the faceid:result scope');
  });

  it('resolves the aliased _entities fields a router merges into one request (Hive Gateway), past MAX_ALIASES', async () => {
    guarded.emulator.clearRecords();
    const reference = '{ __typename: "SelfieVerificationResult", sdkToken: "F0000000-0000-4000-8000-000000000000" }';
    const query = `{ ${Array.from({ length: 12 }, (_unused, index) => `_v${index}__entities: _entities(representations: [${reference}]) { __typename }`).join(' ')} }`;

    const response = await sendGraphQL(guarded.app, { query }, { headers: { 'x-api-key': BACKEND_KEY } });

    const codes = new Set(response.body.errors!.map((error) => error.extensions!.code));
    expect([...codes].filter((code) => code !== 'SDK_TOKEN_UNKNOWN' && code !== 'RATE_LIMITED')).toEqual([]);
    expect(guarded.emulator.requests.length).toBeGreaterThan(0);
  });

  it('counts the references of every _entities field of a request together, refusing past MAX_ENTITY_REFERENCES before any Tencent read', async () => {
    guarded.emulator.clearRecords();
    const half = Math.floor(MAX_ENTITY_REFERENCES / 2) + 1;
    const references = Array.from({ length: half }, () => ({ __typename: 'SelfieVerificationResult', sdkToken: 'F0000000-0000-4000-8000-000000000000' }));
    const query = `query ($a: [_Any!]!, $b: [_Any!]!) { a: _entities(representations: $a) { __typename } b: _entities(representations: $b) { __typename } }`;

    const response = await sendGraphQL(guarded.app, { query, variables: { a: references, b: references } }, { headers: { 'x-api-key': BACKEND_KEY } });

    expect(response.body.errors!.length).toBeGreaterThan(0);
    for (const error of response.body.errors!) expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations' });
    expect(response.body.errors![0]!.message).toContain(`holds ${2 * half} entity references in all; at most ${MAX_ENTITY_REFERENCES}`);
    expect(guarded.emulator.requests).toEqual([]);
  });

  it(`refuses more than MAX_ENTITY_REFERENCES references in one request before any Tencent read`, async () => {
    guarded.emulator.clearRecords();
    const references = Array.from({ length: MAX_ENTITY_REFERENCES + 1 }, () => ({ __typename: 'SelfieVerificationResult', sdkToken: 'F0000000-0000-4000-8000-000000000000' }));

    const response = await resolve(references, { 'x-api-key': BACKEND_KEY });

    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations' });
    expect(guarded.emulator.requests).toEqual([]);
  });

  it.each([
    ['no credentials', async () => ({}), 'UNAUTHENTICATED'],
    ['a frontend JWT with the token scopes', async () => ({ authorization: `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc' })}` }), 'FORBIDDEN'],
  ])('refuses a reference from %s before any Tencent call', async (_case, headers, code) => {
    guarded.emulator.clearRecords();

    const response = await resolve([{ __typename: 'EkycVerificationResult', sdkToken: 'F0000000-0000-4000-8000-000000000000' }], await headers());

    expect(response.body.errors![0]!.extensions!.code).toBe(code);
    expect(guarded.emulator.requests).toEqual([]);
  });
});

describe('personal data in results', () => {
  /** Every leaf value of a response, with its path. */
  function leaves(value: unknown, path = ''): Array<[string, string]> {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
    if (typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leaves(item, path ? `${path}.${key}` : key));
    return [[path, String(value)]];
  }
  /** Values that are not personal data and legitimately appear in logs (ids) or everywhere (codes, enums). */
  const NOT_PERSONAL = /(^|\.)(requestId|outcome|resultCode|description|documentKind|name|fieldName|expiresAt|deviceRiskLevel|index|authoritative|passed|edited|chargeCount|base64Length|sizeBytes|similarity)$|(livenessTags|livenessTagCodes|warnings|warningCodes)\[\d+\]$/;

  it('keeps every result field out of log lines, metrics and error messages, and sends no-store', async () => {
    const extra = 'customer-4711-private-extra';
    const selfieToken = await mintSelfie({ checkMode: 'LIVENESS_AND_COMPARE', image: SAMPLE_IMAGE_BASE64, sdkVersion: 'PLUS', extra });
    const ekycToken = await mintEkyc({ idCardType: 'HONG_KONG_ID_CARD', sdkVersion: 'PLUS', extra });
    await complete(selfieToken, 'LIVENESS_FAILED');
    await complete(ekycToken, 'SUCCESS');

    const selfie = await harness.graphql(SelfieVerificationResultDocument, { sdkToken: selfieToken, withMedia: true });
    const ekyc = await harness.graphql(EkycVerificationResultDocument, { sdkToken: ekycToken, withFiles: true });
    const unknown = await harness.graphql(SelfieVerificationResultDocument, { sdkToken: ekycToken });

    expect(selfie.body.errors).toBeUndefined();
    const values = [...leaves(selfie.body.data), ...leaves(ekyc.body.data)].filter(([path]) => !NOT_PERSONAL.test(path));
    // Every kind of personal field is populated, so the check below covers each of them.
    const paths = values.map(([path]) => path.replace(/\[\d+\]/g, '[]'));
    expect(new Set(paths)).toEqual(
      new Set([
        'selfieVerificationResult.sdkToken', 'selfieVerificationResult.extra',
        'selfieVerificationResult.bestFrame.base64', 'selfieVerificationResult.video.base64', 'selfieVerificationResult.actionVideo.base64',
        'ekycVerificationResult.sdkToken', 'ekycVerificationResult.extra',
        ...['fullName', 'documentNumber', 'birthDate', 'sex', 'issueDate', 'fields[].value'].map((field) => `ekycVerificationResult.cardAttempts[].ocr.${field}`),
        ...['cardImage', 'ocrJson'].flatMap((file) => ['url', 'md5'].map((part) => `ekycVerificationResult.cardAttempts[].${file}.${part}`)),
        ...['bestFrame', 'profileImage', 'liveVideo', 'actionVideo', 'liveData'].flatMap((file) =>
          ['url', 'md5'].map((part) => `ekycVerificationResult.compareAttempts[].${file}.${part}`),
        ),
      ]),
    );
    expect(selfie.body.data!.selfieVerificationResult.livenessTags).toEqual(['SUSPECTED_PHOTO_REPLAY', 'SUSPECTED_SYNTHETIC_VIDEO']);

    const logText = harness.log.lines.join('\n');
    const metricsText = await metrics.registry.metrics();
    const errorText = JSON.stringify(unknown.body.errors);
    // A value of a few characters (`M`, `1`) is in any text: look for it as a JSON string, or as a label value
    // other than a histogram bucket bound (`le="1"`).
    const labelValues = [...metricsText.matchAll(/(\w+)="([^"]*)"/g)].filter(([, label]) => label !== 'le').map(([, , value]) => value);
    const found = (text: string, value: string) => text.includes(value.length < 4 ? JSON.stringify(value) : value);
    const inMetrics = (value: string) => (value.length < 4 ? labelValues.includes(value) : metricsText.includes(value));
    const leaked = values.filter(([, value]) => found(logText, value) || inMetrics(value) || found(errorText, value));
    expect(leaked).toEqual([]);

    for (const response of [selfie, ekyc, unknown]) expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('sends a single Cache-Control, no-store, over server-sent events too', async () => {
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ selfieVerificationResult(sdkToken: "F0000000-0000-4000-8000-000000000000") { outcome } }' }),
    });
    await response.text();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect([...response.headers.entries()].filter(([name]) => name.toLowerCase() === 'cache-control')).toEqual([['cache-control', 'no-store']]);
  });

  it('sends no no-store header on responses without results', async () => {
    const response = await harness.graphql('{ gateway { region } }');

    expect(response.headers.get('cache-control')).toBeNull();
  });

  it.each([
    ['a result query', '{ selfieVerificationResult(sdkToken: "F0000000-0000-4000-8000-000000000000") { outcome } }'],
    [
      'a federation reference selecting only __typename',
      '{ _entities(representations: [{ __typename: "SelfieVerificationResult", sdkToken: "F0000000-0000-4000-8000-000000000000" }]) { __typename } }',
    ],
  ])('refuses %s over GET (405) without calling Tencent', async (_case, query) => {
    const response = await harness.app.fetch(`http://gateway.test/graphql?query=${encodeURIComponent(query)}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
    });
    const body = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };

    expect({ status: response.status, code: body.errors[0]!.extensions.code, cacheControl: response.headers.get('cache-control') }).toEqual({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      cacheControl: 'no-store',
    });
    expect(resultReads()).toEqual([]);
  });
});
