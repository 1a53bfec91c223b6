import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_IMAGE_BASE64_LENGTH, MAX_META_DATA_BYTES } from '../src/faceid/requests.js';
import {
  EKYC_MUTATION,
  SAMPLE_IMAGE_BASE64,
  SELFIE_MUTATION,
  ekycTokenRequest,
  selfieTokenRequest,
  startHarness,
  uncheckedRequest,
  type GraphQLRequest,
  type Harness,
} from './helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.emulator.clearRecords());

const OVERSIZED_IMAGE = 'A'.repeat(MAX_IMAGE_BASE64_LENGTH + 4);

type Case = [description: string, request: GraphQLRequest, field: string, message: RegExp];

const cases: Case[] = [
  ['selfie compare mode without an image', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE' }), 'input.image', /required when checkMode is LIVENESS_AND_COMPARE/],
  ['selfie OCR mode', selfieTokenRequest({ checkMode: 'OCR_LIVENESS_AND_COMPARE' }), 'input.checkMode', /use applyEkycToken/],
  ['selfie image outside compare mode', selfieTokenRequest({ image: SAMPLE_IMAGE_BASE64 }), 'input.image', /only used when checkMode is LIVENESS_AND_COMPARE/],
  ['selfie actions with VIDEO', selfieTokenRequest({ securityLevel: 'VIDEO', actionList: ['BLINK'] }), 'input.actionList', /only allowed when input.securityLevel is MOTION or MOTION_AND_REFLECTION.*VIDEO/],
  ['selfie actions with REFLECTION', selfieTokenRequest({ securityLevel: 'REFLECTION', actionList: ['NOD'] }), 'input.actionList', /REFLECTION/],
  ['selfie three actions', selfieTokenRequest({ actionList: ['BLINK', 'MOUTH', 'NOD'] }), 'input.actionList', /one or two actions, not 3/],
  ['selfie an empty action list', selfieTokenRequest({ actionList: [] }), 'input.actionList', /one or two actions, not 0/],
  ['selfie a repeated action', selfieTokenRequest({ actionList: ['BLINK', 'BLINK'] }), 'input.actionList', /must not repeat an action/],
  ['selfie retryLimit 0', selfieTokenRequest({ retryLimit: 0 }), 'input.retryLimit', /integer from 1 to 5$/],
  ['selfie retryLimit 6', selfieTokenRequest({ retryLimit: 6 }), 'input.retryLimit', /integer from 1 to 5$/],
  ['selfie an image that is not base64', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'not base64!' }), 'input.image', /must be standard base64/],
  ['selfie base64url', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: '_-8A' }), 'input.image', /no base64url/],
  ['selfie base64 with a line break', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'AAAA\nAAAA' }), 'input.image', /standard base64/],
  ['selfie truncated base64', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'AAAAA' }), 'input.image', /standard base64/],
  ['selfie an empty image', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: '' }), 'input.image', /must not be empty/],
  ['selfie non-canonical base64', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'QR==' }), 'input.image', /must be canonical base64/],
  ['selfie a DATA: URL in capitals that is no image', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'DATA:TEXT/PLAIN;BASE64,AAAA' }), 'input.image', /data: URL must be an image in base64/],
  ['selfie a non-image data URL', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'data:text/plain;base64,AAAA' }), 'input.image', /data: URL must be an image in base64/],
  ['selfie a data URL that is not base64', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'data:image/png,%89PNG' }), 'input.image', /data: URL must be an image in base64/],
  ['selfie an image over the limit', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: OVERSIZED_IMAGE }), 'input.image', new RegExp(`limit is ${MAX_IMAGE_BASE64_LENGTH}`)],
  ['selfie extra over 1,024 bytes', selfieTokenRequest({ extra: 'x'.repeat(1025) }), 'input.extra', /1025 bytes in UTF-8; the limit is 1024/],
  ['selfie extra over 1,024 bytes in UTF-8 only', selfieTokenRequest({ extra: 'é'.repeat(513) }), 'input.extra', /1026 bytes/],
  ['eKYC compare mode without compareImage', ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE' }), 'input.compareImage', /required when checkMode is LIVENESS_AND_COMPARE/],
  ['eKYC compareImage in OCR mode', ekycTokenRequest({ compareImage: SAMPLE_IMAGE_BASE64 }), 'input.compareImage', /only used when checkMode is LIVENESS_AND_COMPARE; checkMode is OCR_LIVENESS_AND_COMPARE/],
  ['eKYC an invalid compareImage', ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', compareImage: '***' }), 'input.compareImage', /standard base64/],
  ['eKYC an oversized compareImage', ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', compareImage: OVERSIZED_IMAGE }), 'input.compareImage', /the limit is/],
  ['eKYC actions with VIDEO', ekycTokenRequest({ securityLevel: 'VIDEO', actionList: ['SHAKE'] }), 'input.actionList', /MOTION or MOTION_AND_REFLECTION/],
  ['eKYC three actions', ekycTokenRequest({ actionList: ['BLINK', 'MOUTH', 'SHAKE'] }), 'input.actionList', /one or two actions/],
  ['eKYC a repeated action', ekycTokenRequest({ actionList: ['NOD', 'NOD'] }), 'input.actionList', /must not repeat/],
  ['eKYC retryLimit 9', ekycTokenRequest({ retryLimit: 9 }), 'input.retryLimit', /1 to 5/],
  ['eKYC extra over 1,024 bytes', ekycTokenRequest({ extra: '🙂'.repeat(257) }), 'input.extra', /1028 bytes/],
  ['eKYC an empty OCR display field', ekycTokenRequest({ cardOcrDisplayFields: ['Name', ' '] }), 'input.cardOcrDisplayFields[1]', /must not be empty/],
  ['eKYC metaData over 8 KiB', ekycTokenRequest({ metaData: 'm'.repeat(MAX_META_DATA_BYTES + 1) }), 'input.metaData', /8193 bytes in UTF-8; the limit is 8192/],
  ['eKYC 8 MB of metaData', ekycTokenRequest({ metaData: 'm'.repeat(8_000_000) }), 'input.metaData', /the limit is 8192/],
  ['eKYC 33 OCR display fields', ekycTokenRequest({ cardOcrDisplayFields: Array.from({ length: 33 }, (_, i) => `F${i}`) }), 'input.cardOcrDisplayFields', /lists 33 fields; the limit is 32/],
  ['eKYC a long OCR display field', ekycTokenRequest({ cardOcrDisplayFields: ['N'.repeat(65)] }), 'input.cardOcrDisplayFields[0]', /65 characters; the limit is 64/],
  ['eKYC an OCR display field that is no name', ekycTokenRequest({ cardOcrDisplayFields: ['Name', 'a b'] }), 'input.cardOcrDisplayFields[1]', /Tencent OCR field name/],
  ['eKYC 33 warning codes', ekycTokenRequest({ selectedWarningCodes: Array.from({ length: 33 }, (_, i) => -9100 - i) }), 'input.selectedWarningCodes', /lists 33 codes; the limit is 32/],
  ['eKYC a warning code out of range', ekycTokenRequest({ selectedWarningCodes: [-9101, 5] }), 'input.selectedWarningCodes[1]', /from -9999 to -9000/],
  ['eKYC a repeated warning code', ekycTokenRequest({ selectedWarningCodes: [-9101, -9101] }), 'input.selectedWarningCodes', /must not repeat a code/],
];

/** Variables over a shape bound are refused before parsing and coercion: a request error, without `data`. */
const shapeCases: Case[] = [
  ['eKYC 2,000,000 OCR display fields', ekycTokenRequest({ cardOcrDisplayFields: Array.from({ length: 2_000_000 }, () => 'N') }), 'input.cardOcrDisplayFields', /^input\.cardOcrDisplayFields is a list of more than \d+ items; no input of this schema takes more than 64\.$/],
  ['eKYC 1,600,000 warning codes', ekycTokenRequest({ selectedWarningCodes: Array.from({ length: 1_600_000 }, () => 1) }), 'input.selectedWarningCodes', /^input\.selectedWarningCodes is a list of more than \d+ items/],
  ['a variable nested too deep', uncheckedRequest(EKYC_MUTATION, { input: { metaData: [[[[[[[[[['x']]]]]]]]]] } }), 'input.metaData[0][0][0][0][0][0][0]', /nested deeper than 8 levels/],
  ['an input with 65 fields', uncheckedRequest(EKYC_MUTATION, { input: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 1])) }), 'input', /has 65 fields/],
  // Keys that are no GraphQL name are client text: named `…`, so neither markup nor a pasted secret comes back.
  ['too deep under keys that are no GraphQL names', uncheckedRequest(EKYC_MUTATION, { input: { '<svg/onload=alert(1)>': { 'password=hunter2': [[[[[[['x']]]]]]] } } }), 'input.….…[0][0][0][0][0][0]', /^input\.…\.…(\[0\]){6} is nested deeper than 8 levels/],
  ['too many fields under a key of 64 name characters and more', uncheckedRequest(EKYC_MUTATION, { input: { [`${'k'.repeat(64)}\u202e`]: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 1])) } }), `input.${'k'.repeat(64)}…`, /has 65 fields/],
];

describe('validation before any upstream call', () => {
  it.each(cases)('rejects %s', async (_description, request, field, message) => {
    const response = await harness.graphql(request);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeNull();
    expect(response.body.errors).toHaveLength(1);
    const [error] = response.body.errors!;
    expect(error!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field });
    expect(error!.message.startsWith(`${field}: `)).toBe(true);
    expect(error!.message).toMatch(message);
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it.each(shapeCases)('refuses %s before coercing it', async (_description, request, field, message) => {
    const response = await harness.graphql(request);
    expect(response.status).toBe(400);
    expect(response.body).not.toHaveProperty('data');
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field });
    expect(response.body.errors![0]!.message).toMatch(message);
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['nested ten deep', `[${'['.repeat(9)}1${']'.repeat(9)}]`],
    ['of 20,000 items', `[${'0,'.repeat(19_999)}0]`],
    ['of one item', '[1]'],
  ])('refuses variables that are a list %s as a malformed request, whatever the list holds', async (_case, variables) => {
    const response = await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: `{"query":"{ __typename }","variables":${variables}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Expected "variables" param to be empty or an object, but given array.', extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
  });

  it('never echoes image bytes in the error', async () => {
    const secretLookingImage = `${'QUJD'.repeat(40)}*`;
    const response = await harness.graphql(SELFIE_MUTATION, { input: { checkMode: 'LIVENESS_AND_COMPARE', image: secretLookingImage } });
    expect(response.text).not.toContain('QUJDQUJD');
  });

  it.each([
    [
      'an unknown enum value',
      uncheckedRequest(SELFIE_MUTATION, { input: { checkMode: 'SMILE' } }),
      'Variable "$input" has an invalid value at "input.checkMode": The value is not one of the values of enum "CheckMode".',
    ],
    [
      'a string for retryLimit',
      uncheckedRequest(SELFIE_MUTATION, { input: { retryLimit: 'three' } }),
      'Variable "$input" has an invalid value at "input.retryLimit": Int cannot represent non-integer value.',
    ],
    [
      'an unknown field',
      uncheckedRequest(EKYC_MUTATION, { input: { idCardType: 'HONG_KONG_ID_CARD', needVerifyIdCard: true } }),
      'Variable "$input" has an invalid value: Field "needVerifyIdCard" is not defined by type "ApplyEkycTokenInput".',
    ],
    [
      'an unknown document type',
      uncheckedRequest(EKYC_MUTATION, { input: { idCardType: 'HK' } }),
      'Variable "$input" has an invalid value at "input.idCardType": The value is not one of the values of enum "IdCardType".',
    ],
  ])('rejects %s as BAD_USER_INPUT before execution, naming the path but not the value', async (_description, request, message) => {
    const response = await harness.graphql(request);
    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.message).toBe(message);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['a selfie image with a data: prefix', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: `data:image/jpeg;base64,${SAMPLE_IMAGE_BASE64}` }), 'Image'],
    ['an eKYC compareImage with a data: prefix', ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', compareImage: `data:image/png;base64,${SAMPLE_IMAGE_BASE64}` }), 'CompareImage'],
    ['a selfie image with a DATA: prefix in capitals', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: `DATA:IMAGE/PNG;BASE64,${SAMPLE_IMAGE_BASE64}` }), 'Image'],
    ['a selfie image with a data: prefix holding a parameter', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: `data:image/jpeg;name=me.jpg;base64,${SAMPLE_IMAGE_BASE64}` }), 'Image'],
  ])('accepts %s and strips the prefix', async (_description, request, wireField) => {
    const response = await harness.graphql(request);
    expect(response.body.errors).toBeUndefined();
    expect(JSON.parse(harness.emulator.requests[0]!.body)[wireField]).toBe(SAMPLE_IMAGE_BASE64);
  });

  it.each([
    ['exactly 1,024 bytes of extra', selfieTokenRequest({ extra: 'x'.repeat(1024) })],
    ['two actions with MOTION_AND_REFLECTION', selfieTokenRequest({ securityLevel: 'MOTION_AND_REFLECTION', actionList: ['BLINK', 'MOUTH'] })],
    ['actions with the default security level', ekycTokenRequest({ actionList: ['NOD'] })],
    ['retryLimit 1 and 5', selfieTokenRequest({ retryLimit: 1 })],
    ['an image of exactly the limit', selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: 'A'.repeat(MAX_IMAGE_BASE64_LENGTH) })],
    ['metaData of exactly 8 KiB', ekycTokenRequest({ metaData: 'm'.repeat(MAX_META_DATA_BYTES) })],
    ['32 OCR display fields and 32 warning codes', ekycTokenRequest({ cardOcrDisplayFields: Array.from({ length: 32 }, (_, i) => `Field_${i}`), selectedWarningCodes: Array.from({ length: 32 }, (_, i) => -9100 - i) })],
  ])('accepts %s', async (_description, request) => {
    const response = await harness.graphql(request);
    expect(response.body.errors).toBeUndefined();
    expect(harness.emulator.requests).toHaveLength(1);
  });
});
