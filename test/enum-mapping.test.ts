import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  Action,
  ApplyEkycTokenInput,
  CheckMode,
  GetSelfieTokenInput,
  IdCardType,
  SdkVersion,
  SecurityLevel,
} from '../schema/generated/graphql.js';
import {
  EKYC_MUTATION,
  SAMPLE_IMAGE_BASE64,
  SELFIE_MUTATION,
  ekycTokenRequest,
  selfieTokenRequest,
  startHarness,
  type GraphQLRequest,
  type Harness,
} from './helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.emulator.clearRecords());

/** Sends one mutation and returns the exact JSON body the emulator received. */
async function wireBodyOf(request: GraphQLRequest): Promise<unknown> {
  const response = await harness.graphql(request);
  expect(response.body.errors).toBeUndefined();
  expect(harness.emulator.requests).toHaveLength(1);
  return JSON.parse(harness.emulator.requests[0]!.body);
}

describe('selfie (GetFaceIdTokenIntl) wire values', () => {
  it.each<[CheckMode, GetSelfieTokenInput, unknown]>([
    ['LIVENESS', {}, { CheckMode: 'liveness' }],
    ['LIVENESS_AND_COMPARE', { image: SAMPLE_IMAGE_BASE64 }, { CheckMode: 'compare', Image: SAMPLE_IMAGE_BASE64 }],
  ])('sends checkMode %s as CheckMode', async (checkMode, extra, expected) => {
    expect(await wireBodyOf(selfieTokenRequest({ checkMode, ...extra }))).toEqual(expected);
  });

  it.each<[SecurityLevel, string]>([
    ['VIDEO', '1'],
    ['MOTION', '2'],
    ['REFLECTION', '3'],
    ['MOTION_AND_REFLECTION', '4'],
  ])('sends securityLevel %s as the string SecureLevel "%s"', async (securityLevel, wire) => {
    expect(await wireBodyOf(selfieTokenRequest({ securityLevel }))).toEqual({ SecureLevel: wire });
  });

  it.each<[Action[], string]>([
    [['BLINK'], 'blink'],
    [['MOUTH'], 'mouth'],
    [['NOD'], 'nod'],
    [['SHAKE'], 'shake'],
    [['BLINK', 'MOUTH'], 'blink,mouth'],
    [['SHAKE', 'NOD'], 'shake,nod'],
  ])('sends actionList %j as ActionList "%s"', async (actionList, wire) => {
    expect(await wireBodyOf(selfieTokenRequest({ securityLevel: 'MOTION', actionList }))).toEqual({
      SecureLevel: '2',
      ActionList: wire,
    });
  });

  it.each<SdkVersion>(['BASIC', 'ENHANCED', 'PRO', 'PLUS'])('sends sdkVersion %s unchanged', async (sdkVersion) => {
    expect(await wireBodyOf(selfieTokenRequest({ sdkVersion }))).toEqual({ SdkVersion: sdkVersion });
  });

  it('sends every field with its wire name and type, and nothing that was not asked for', async () => {
    expect(
      await wireBodyOf(
        selfieTokenRequest({
          checkMode: 'LIVENESS_AND_COMPARE',
          securityLevel: 'MOTION_AND_REFLECTION',
          image: `data:image/jpeg;base64,${SAMPLE_IMAGE_BASE64}`,
          extra: 'order-42 – café',
          actionList: ['NOD'],
          sdkVersion: 'PLUS',
          retryLimit: 3,
        }),
      ),
    ).toEqual({
      CheckMode: 'compare',
      SecureLevel: '4',
      Image: SAMPLE_IMAGE_BASE64,
      Extra: 'order-42 – café',
      ActionList: 'nod',
      SdkVersion: 'PLUS',
      RetryLimit: 3,
    });
  });

  it('sends an empty object when no option is given, leaving Tencent its defaults', async () => {
    expect(await wireBodyOf(selfieTokenRequest({}))).toEqual({});
  });
});

describe('eKYC (ApplySdkVerificationToken) wire values', () => {
  it.each<[CheckMode, ApplyEkycTokenInput, unknown]>([
    ['OCR_LIVENESS_AND_COMPARE', {}, { CheckMode: 1 }],
    ['LIVENESS_AND_COMPARE', { compareImage: SAMPLE_IMAGE_BASE64 }, { CheckMode: 2, CompareImage: SAMPLE_IMAGE_BASE64 }],
    ['LIVENESS', {}, { CheckMode: 3 }],
  ])('sends checkMode %s as the integer CheckMode', async (checkMode, extra, expected) => {
    expect(await wireBodyOf(ekycTokenRequest({ checkMode, ...extra }))).toEqual(expected);
  });

  it.each<[SecurityLevel, number]>([
    ['VIDEO', 1],
    ['MOTION', 2],
    ['REFLECTION', 3],
    ['MOTION_AND_REFLECTION', 4],
  ])('sends securityLevel %s as the integer SecurityLevel %i', async (securityLevel, wire) => {
    expect(await wireBodyOf(ekycTokenRequest({ securityLevel }))).toEqual({ SecurityLevel: wire });
  });

  it.each<[IdCardType, string]>([
    ['HONG_KONG_ID_CARD', 'HK'],
    ['MALAYSIA_ID_CARD', 'ML'],
    ['INDONESIA_ID_CARD', 'IndonesiaIDCard'],
    ['PHILIPPINES_VOTER_ID', 'PhilippinesVoteID'],
    ['PHILIPPINES_DRIVING_LICENSE', 'PhilippinesDrivingLicense'],
    ['PHILIPPINES_TIN_ID', 'PhilippinesTinID'],
    ['PHILIPPINES_SSS_ID', 'PhilippinesSSSID'],
    ['PHILIPPINES_UMID', 'PhilippinesUMID'],
    ['PASSPORT', 'MLIDPassport'],
    ['MACAO_ID_CARD', 'MacaoIDCard'],
    ['THAILAND_ID_CARD', 'ThailandIDCard'],
    ['MAINLAND_CHINA_ID_CARD', 'MainlandIDCard'],
    ['SINGAPORE_ID_CARD', 'SingaporeIDCard'],
    ['JAPAN_ID_CARD', 'JapanIDCard'],
    ['MALAYSIA_DRIVING_LICENSE', 'MLDrivingLicense'],
    ['INDONESIA_DRIVING_LICENSE', 'IndonesiaDrivingLicense'],
    ['THAILAND_DRIVING_LICENSE', 'ThailandDrivingLicense'],
    ['SINGAPORE_DRIVING_LICENSE', 'SingaporeDrivingLicense'],
    ['JAPAN_DRIVING_LICENSE', 'JapanDrivingLicense'],
    ['TAIWAN_ID_CARD', 'TaiWanIDCard'],
    ['HONG_KONG_MACAO_TAIWAN_PERMIT', 'HMTPermit'],
  ])('sends idCardType %s as IdCardType "%s"', async (idCardType, wire) => {
    expect(await wireBodyOf(ekycTokenRequest({ idCardType }))).toEqual({ IdCardType: wire });
  });

  it('maps all 21 document types one-to-one', async () => {
    const introspection = await harness.graphql('{ __type(name: "IdCardType") { enumValues { name description } } }');
    const values = introspection.body.data!.__type.enumValues as Array<{ name: string; description: string }>;
    expect(values).toHaveLength(21);
    expect(values.every((value) => value.description.length > 10)).toBe(true);
  });

  it.each<[Action[], string]>([
    [['BLINK', 'SHAKE'], 'blink,shake'],
    [['MOUTH'], 'mouth'],
  ])('sends actionList %j as ActionList "%s"', async (actionList, wire) => {
    expect(await wireBodyOf(ekycTokenRequest({ actionList }))).toEqual({ ActionList: wire });
  });

  it('sends every field with its wire name and type', async () => {
    expect(
      await wireBodyOf(
        ekycTokenRequest({
          checkMode: 'LIVENESS_AND_COMPARE',
          securityLevel: 'MOTION',
          idCardType: 'PASSPORT',
          compareImage: SAMPLE_IMAGE_BASE64,
          disableChangeOcrResult: true,
          disableCheckOcrWarnings: false,
          extra: 'user-42',
          actionList: ['BLINK'],
          sdkVersion: 'ENHANCED',
          retryLimit: 1,
          selectedWarningCodes: [-9101, -9102],
          allowExpiredDocument: true,
          skipResultPage: false,
          skipLaunchPage: true,
          skipOcrConfirmPage: false,
          hideProgressBar: true,
          allowUploadPhoto: false,
          enableForgeryDetectionImages: true,
          cardOcrDisplayFields: ['Name', 'Birthday'],
          metaData: '{"theme":"dark"}',
        }),
      ),
    ).toEqual({
      CheckMode: 2,
      SecurityLevel: 2,
      IdCardType: 'MLIDPassport',
      CompareImage: SAMPLE_IMAGE_BASE64,
      DisableChangeOcrResult: true,
      DisableCheckOcrWarnings: false,
      Extra: 'user-42',
      ActionList: 'blink',
      SdkVersion: 'ENHANCED',
      RetryLimit: 1,
      SelectedWarningCodes: [-9101, -9102],
      AllowExpiredDocument: true,
      SkipResultPage: false,
      SkipLaunchPage: true,
      SkipOcrConfirmPage: false,
      HideProgressBar: true,
      AllowUploadPhoto: false,
      EnableForgeryDetectionImages: true,
      CardOcrDisplayFields: ['Name', 'Birthday'],
      MetaData: '{"theme":"dark"}',
    });
  });
});

describe('token payloads', () => {
  it('returns the emulator token, its RequestId and a 10-minute expiry for a selfie token', async () => {
    const before = Date.now();
    const response = await harness.graphql(SELFIE_MUTATION, { input: {} });
    const token = response.body.data!.getSelfieToken;
    expect(response.status).toBe(200);
    expect(token.sdkToken).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(token.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const expiresAt = Date.parse(token.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(600_000);
  });

  it('returns a 2-hour expiry for an eKYC token', async () => {
    const before = Date.now();
    const response = await harness.graphql(EKYC_MUTATION, { input: {} });
    const expiresAt = Date.parse(response.body.data!.applyEkycToken.expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(7_200_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7_200_000);
  });
});
