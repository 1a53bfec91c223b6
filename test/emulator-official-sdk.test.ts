/**
 * Fidelity check: Tencent's own intl Node SDK, unmodified, talks to the emulator.
 *
 * The SDK derives the signed service name from the endpoint's first label (`endpoint.split('.')[0]`), so an
 * endpoint of `127.0.0.1:PORT` would sign for service "127". The client therefore keeps the real endpoint name,
 * `faceid.intl.tencentcloudapi.com:PORT`, and this file resolves that one name to 127.0.0.1 through the HTTP
 * global agent's `lookup` (the SDK passes no agent of its own). Everything else is the SDK as shipped, and it
 * exercises the "host without port" rule exactly as production will: Host carries the port, the signature not.
 */
import dns from 'node:dns';
import http from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signTc3 } from '../src/faceid/tc3.js';
import { startFaceIdEmulator, type EmulatorKeyPair, type FaceIdEmulator } from '../src/emulator/index.js';
import { REQUEST_ID_PATTERN, SDK_TOKEN_PATTERN, TEST_KEY_PAIR } from './helpers/emulator-client.js';

const TENCENT_HOST = 'faceid.intl.tencentcloudapi.com';

/** The slice of the untyped SDK these tests use. */
type SdkCallback<T> = (error: SdkError | null, response: T) => void;
interface SdkTokenResponse {
  SdkToken: string;
  RequestId: string;
}
interface SdkError extends Error {
  code?: string;
  requestId: string;
}
interface FaceIdSdkClient {
  GetFaceIdTokenIntl(request: Record<string, unknown>, callback: SdkCallback<SdkTokenResponse>): void;
  ApplySdkVerificationToken(request: Record<string, unknown>, callback: SdkCallback<SdkTokenResponse>): void;
  GetFaceIdResultIntl(request: { SdkToken: string }, callback: SdkCallback<Record<string, any>>): void;
  GetSdkVerificationResult(request: { SdkToken: string }, callback: SdkCallback<Record<string, any>>): void;
}
interface SdkModules {
  Client: new (credential: unknown, region: string, profile: unknown) => FaceIdSdkClient;
  Credential: new (secretId: string, secretKey: string, token?: string) => unknown;
  ClientProfile: new (signMethod?: string, httpProfile?: unknown) => unknown;
  HttpProfile: new (protocol?: string, endpoint?: string) => unknown;
}

// Deep paths: the package root would load every Tencent product (tens of MB) to reach one client.
const require = createRequire(import.meta.url);
const sdk: SdkModules = {
  ...(require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/common/index.js') as Omit<SdkModules, 'Client'>),
  Client: (require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/faceid/v20180301/index.js') as Pick<SdkModules, 'Client'>).Client,
};

function createSdkClient(emulator: FaceIdEmulator, keyPair: EmulatorKeyPair, signMethod = 'TC3-HMAC-SHA256'): FaceIdSdkClient {
  const credential = new sdk.Credential(keyPair.secretId, keyPair.secretKey, keyPair.sessionToken);
  const profile = new sdk.ClientProfile(signMethod, new sdk.HttpProfile('http://', `${TENCENT_HOST}:${emulator.port}`));
  return new sdk.Client(credential, 'ap-singapore', profile);
}

/** The SDK is callback-only. */
function promisify<T>(invoke: (callback: SdkCallback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  const outcome = await promise.then(
    () => undefined,
    (error: SdkError) => error,
  );
  if (!outcome) throw new Error('expected the SDK call to fail');
  return outcome;
}

const originalAgent = http.globalAgent;
let emulator: FaceIdEmulator;

beforeAll(async () => {
  http.globalAgent = new http.Agent({
    lookup: ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      if (hostname !== TENCENT_HOST) return dns.lookup(hostname, options, callback as never);
      if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
      return callback(null, '127.0.0.1', 4);
    }) as never,
  });
  emulator = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR] });
});
afterEach(() => emulator.clearRecords());
afterAll(async () => {
  await emulator.close();
  http.globalAgent.destroy();
  http.globalAgent = originalAgent;
});

describe('the official tencentcloud-sdk-nodejs-intl-en client', () => {
  it('gets a GetFaceIdTokenIntl token, signed with TC3 exactly as the shared signer signs', async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);

    const response = await promisify<SdkTokenResponse>((callback) =>
      client.GetFaceIdTokenIntl({ CheckMode: 'liveness', SecureLevel: '4', SdkVersion: 'PLUS' }, callback),
    );

    expect(response.SdkToken).toMatch(SDK_TOKEN_PATTERN);
    expect(response.RequestId).toMatch(REQUEST_ID_PATTERN);
    const [recorded] = emulator.requests;
    expect(recorded).toMatchObject({ action: 'GetFaceIdTokenIntl', responseCode: 'OK' });
    expect(recorded!.headers['host']).toBe(`${TENCENT_HOST}:${emulator.port}`);
    expect(recorded!.headers['x-tc-requestclient']).toMatch(/^SDK_NODEJS_INTL_EN/);
    const timestamp = Number(recorded!.headers['x-tc-timestamp']);
    const expected = signTc3({
      ...TEST_KEY_PAIR,
      service: 'faceid',
      host: TENCENT_HOST,
      contentType: recorded!.headers['content-type']!,
      payload: recorded!.body,
      timestamp,
    });
    expect(recorded!.headers['authorization']).toBe(expected.authorization);
  });

  it('gets an ApplySdkVerificationToken token for the seed example', async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);

    const response = await promisify<SdkTokenResponse>((callback) =>
      client.ApplySdkVerificationToken({ CheckMode: 1, SecurityLevel: 4, NeedVerifyIdCard: true, Extra: 'fewfewf', IdCardType: 'HK' }, callback),
    );

    expect(response.SdkToken).toMatch(SDK_TOKEN_PATTERN);
    expect(response.RequestId).toMatch(REQUEST_ID_PATTERN);
    expect(emulator.requests[0]!.headers['authorization']).toMatch(
      /^TC3-HMAC-SHA256 Credential=AKIDTESTEMULATOR1111111111111111\/\d{4}-\d{2}-\d{2}\/faceid\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/,
    );
  });

  it('sends the session token of temporary credentials', async () => {
    const sts: EmulatorKeyPair = { secretId: 'AKIDTESTSTS3333333333333333333333', secretKey: 'sts-key', sessionToken: 'sts-token' };
    const withToken = await startFaceIdEmulator({ keyPairs: [sts] });
    try {
      const response = await promisify<SdkTokenResponse>((callback) => createSdkClient(withToken, sts).GetFaceIdTokenIntl({}, callback));
      expect(response.SdkToken).toMatch(SDK_TOKEN_PATTERN);
      expect(withToken.requests[0]!.headers['x-tc-token']).toBe('sts-token');
    } finally {
      await withToken.close();
    }
  });

  it('surfaces a wrong secret key as AuthFailure.SignatureFailure', async () => {
    const client = createSdkClient(emulator, { ...TEST_KEY_PAIR, secretKey: 'not-the-key' });

    const error = await sdkError(promisify((callback) => client.GetFaceIdTokenIntl({}, callback)));

    expect(error.code).toBe('AuthFailure.SignatureFailure');
    expect(error.requestId).toMatch(REQUEST_ID_PATTERN);
  });

  it('surfaces a clock 10 minutes apart as AuthFailure.SignatureExpire', async () => {
    const ahead = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR], now: () => Date.now() + 10 * 60_000 });
    try {
      const error = await sdkError(promisify((callback) => createSdkClient(ahead, TEST_KEY_PAIR).ApplySdkVerificationToken({}, callback)));
      expect(error.code).toBe('AuthFailure.SignatureExpire');
    } finally {
      await ahead.close();
    }
  });

  it('surfaces a wire-type mistake (SecureLevel as a number) as InvalidParameter', async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);

    const error = await sdkError(promisify((callback) => client.GetFaceIdTokenIntl({ SecureLevel: 4 }, callback)));

    expect(error.code).toBe('InvalidParameter');
    expect(error.message).toContain('SecureLevel');
  });

  it("refuses the SDK's default legacy signing, which sends a form body without TC3 headers, and says how to switch to TC3", async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR, 'HmacSHA256');

    const error = await sdkError(promisify((callback) => client.GetFaceIdTokenIntl({}, callback)));

    expect(error.code).toBe('MissingParameter');
    expect(error.message).toContain("it verifies only TC3-HMAC-SHA256. With Tencent's SDKs, pass `new ClientProfile('TC3-HMAC-SHA256', httpProfile)`.");
  });
});

describe('the official client reads the results the emulator plays', () => {
  it('reads a completed selfie verification through GetFaceIdResultIntl, in the SDK model\'s shape', async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);
    const { SdkToken } = await promisify<SdkTokenResponse>((callback) =>
      client.GetFaceIdTokenIntl({ CheckMode: 'compare', Image: 'AAAA', Extra: 'order-17', SdkVersion: 'PLUS' }, callback),
    );
    emulator.completeVerification(SdkToken, 'SUCCESS');

    const result = await promisify<Record<string, any>>((callback) => client.GetFaceIdResultIntl({ SdkToken }, callback));

    expect(Object.keys(result).sort()).toEqual(
      ['ActionVideo', 'BestFrame', 'Description', 'DeviceInfoLevel', 'Extra', 'LivenessInfoTag', 'RequestId', 'Result', 'Similarity', 'Video'],
    );
    expect(result).toMatchObject({ Result: '0', Description: 'Success', Extra: 'order-17', DeviceInfoLevel: '1', LivenessInfoTag: [] });
    expect(result.Similarity).toBeGreaterThan(0);
    expect(Buffer.from(result.BestFrame, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('reads an unfinished eKYC verification through GetSdkVerificationResult, then the completed one with its attempts', async () => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);
    const { SdkToken } = await promisify<SdkTokenResponse>((callback) => client.ApplySdkVerificationToken({ IdCardType: 'HK' }, callback));
    const read = () => promisify<Record<string, any>>((callback) => client.GetSdkVerificationResult({ SdkToken }, callback));

    expect(await read()).toMatchObject({ Result: '-999', ChargeCount: 0, CardVerifyResults: [], CompareResults: [] });
    emulator.completeVerification(SdkToken, 'SUCCESS');
    const result = await read();

    expect(result).toMatchObject({ Result: '0', ChargeCount: 1 });
    expect(result.CompareResults.map((attempt: Record<string, unknown>) => attempt.ErrorCode)).toEqual(['2013', '0']);
    const [card] = result.CardVerifyResults;
    expect(card).toMatchObject({ IsPass: true, IsEdit: false, CardInfo: { HKIDCard: { IdNum: 'Z683365(5)' } } });
    const image = await fetch(card.CardImage.Url);
    const bytes = Buffer.from(await image.arrayBuffer());
    expect({ status: image.status, size: bytes.length }).toEqual({ status: 200, size: card.CardImage.Size });
  });

  it.each([
    ['GetFaceIdResultIntl', 'a token it never minted', 'F0000000-0000-4000-8000-000000000000'],
    ['GetSdkVerificationResult', 'a selfie token', undefined],
  ] as const)('surfaces %s of %s as InvalidParameterValue.BizTokenIllegal', async (action, _case, fixedToken) => {
    const client = createSdkClient(emulator, TEST_KEY_PAIR);
    const SdkToken = fixedToken ?? (await promisify<SdkTokenResponse>((callback) => client.GetFaceIdTokenIntl({}, callback))).SdkToken;

    const error = await sdkError(promisify((callback) => client[action]({ SdkToken }, callback)));

    expect(error.code).toBe('InvalidParameterValue.BizTokenIllegal');
  });
});
