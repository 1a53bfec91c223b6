import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaceIdEmulator, type EmulatorKeyPair, type FaceIdEmulator } from '../src/emulator/index.js';
import { ID_CARD_TYPES, MAX_IMAGE_BASE64_LENGTH } from '../src/emulator/actions.js';
import { REQUEST_BODY_LIMIT_BYTES, REQUEST_DISCARD_LIMIT_BYTES } from '../src/emulator/body.js';
import { postChunked } from './helpers/chunked-upload.js';
import { callEmulator, codeOf, REQUEST_ID_PATTERN, SDK_TOKEN_PATTERN, TEST_KEY_PAIR, type EmulatorCall } from './helpers/emulator-client.js';

const STS_KEY_PAIR: EmulatorKeyPair = { secretId: 'AKIDTESTSTS2222222222222222222222', secretKey: 'sts-secret-key', sessionToken: 'sts-session-token' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** A small valid base64 image; the content never matters to a token API. */
const IMAGE = Buffer.from('not really a jpeg').toString('base64');

let emulator: FaceIdEmulator;

beforeAll(async () => {
  // A limit far above what these tests send: only the rate-limit block, with its own emulator, measures it.
  emulator = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR, STS_KEY_PAIR], rateLimitPerSecond: 100_000 });
});
afterEach(() => {
  emulator.clearFaults();
  emulator.clearRecords();
});
afterAll(async () => {
  await emulator.close();
});

const call = (options: EmulatorCall = {}) => callEmulator(emulator.url, options);

describe('tokens', () => {
  it('mints a selfie-verification SdkToken with GetFaceIdTokenIntl', async () => {
    const answer = await call({ action: 'GetFaceIdTokenIntl', body: { CheckMode: 'liveness', RetryLimit: 1 } });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(answer.json!.Response)).toEqual(['SdkToken', 'RequestId']);
    expect(answer.json!.Response.SdkToken).toMatch(SDK_TOKEN_PATTERN);
    expect(answer.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);
  });

  it('mints an eKYC SdkToken with ApplySdkVerificationToken for the seed example', async () => {
    const body = { CheckMode: 1, SecurityLevel: 4, NeedVerifyIdCard: true, Extra: 'fewfewf', IdCardType: 'HK' };
    const answer = await call({ action: 'ApplySdkVerificationToken', body });

    expect(Object.keys(answer.json!.Response)).toEqual(['SdkToken', 'RequestId']);
    expect(answer.json!.Response.SdkToken).toMatch(SDK_TOKEN_PATTERN);
    expect(answer.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);
  });

  it('mints a different token and RequestId every time', async () => {
    const [first, second] = await Promise.all([call(), call()]);
    expect(first.json!.Response.SdkToken).not.toBe(second.json!.Response.SdkToken);
    expect(first.json!.Response.RequestId).not.toBe(second.json!.Response.RequestId);
  });

  it('accepts application/json with charset=utf-8 and non-ASCII bodies', async () => {
    const answer = await call({ contentType: 'application/json; charset=utf-8', body: { Extra: '訂單 #42 — ñ' } });
    expect(codeOf(answer)).toBe('OK');
  });

  it('answers errors with HTTP 200, the error envelope and a RequestId', async () => {
    const answer = await call({ action: 'NoSuchThing' });

    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json!.Response)).toEqual(['Error', 'RequestId']);
    expect(Object.keys(answer.json!.Response.Error!)).toEqual(['Code', 'Message']);
    expect(answer.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);
  });
});

describe('authentication', () => {
  const withAuthorization = async (rewrite: (authorization: string) => string) => {
    // Sign normally, then rewrite the header the helper produced.
    const timestamp = nowSeconds();
    const probe = await call({ timestamp });
    return call({ timestamp, headers: { Authorization: rewrite(probe.sent.headers['Authorization']!) } });
  };

  // Factories, not values: timestamps and the port are read when each test runs, not when the table is built.
  it.each<[string, () => EmulatorCall, string]>([
    ['an Authorization that is not TC3', () => ({ headers: { Authorization: 'Bearer abc' } }), 'AuthFailure.InvalidAuthorization'],
    ['an unknown SecretId', () => ({ keyPair: { secretId: 'AKIDUNKNOWN', secretKey: TEST_KEY_PAIR.secretKey } }), 'AuthFailure.SecretIdNotFound'],
    ['a wrong secret key', () => ({ keyPair: { ...TEST_KEY_PAIR, secretKey: 'wrong' } }), 'AuthFailure.SignatureFailure'],
    ['a signature over a different content type', () => ({ contentType: 'application/json', signedContentType: 'application/json; charset=utf-8' }), 'AuthFailure.SignatureFailure'],
    ['a signed host that keeps the port', () => ({ signedHost: `127.0.0.1:${emulator.port}` }), 'AuthFailure.SignatureFailure'],
    ['another service in the credential scope', () => ({ service: 'cvm' }), 'AuthFailure.SignatureFailure'],
    ['a timestamp 301 s in the past', () => ({ timestamp: nowSeconds() - 301 }), 'AuthFailure.SignatureExpire'],
    ['a timestamp 301 s in the future', () => ({ timestamp: nowSeconds() + 301 }), 'AuthFailure.SignatureExpire'],
    ['a non-numeric timestamp', () => ({ headers: { 'X-TC-Timestamp': 'yesterday' } }), 'InvalidParameter'],
    ['a timestamp in milliseconds (a time far off, not a malformed header)', () => ({ headers: { 'X-TC-Timestamp': String(Date.now()) } }), 'AuthFailure.SignatureExpire'],
    ['a session-token key pair without X-TC-Token', () => ({ keyPair: STS_KEY_PAIR, headers: { 'X-TC-Token': null } }), 'AuthFailure.TokenFailure'],
    ['a session-token key pair with the wrong X-TC-Token', () => ({ keyPair: STS_KEY_PAIR, headers: { 'X-TC-Token': 'other-token' } }), 'AuthFailure.TokenFailure'],
  ])('rejects %s', async (_, options, code) => {
    expect(codeOf(await call(options()))).toBe(code);
  });

  it.each<[string, () => EmulatorCall]>([
    ['a signed host without the port the Host header carries', () => ({ signedHost: '127.0.0.1' })],
    ['a timestamp 299 s in the past', () => ({ timestamp: nowSeconds() - 299 })],
    ['a timestamp 299 s in the future', () => ({ timestamp: nowSeconds() + 299 })],
    ['a session-token key pair with its X-TC-Token', () => ({ keyPair: STS_KEY_PAIR })],
    ['a permanent key pair with a stray X-TC-Token (a token is only required where configured)', () => ({ headers: { 'X-TC-Token': 'whatever' } })],
  ])('accepts %s', async (_, options) => {
    expect(codeOf(await call(options()))).toBe('OK');
  });

  it('rejects a body changed after signing', async () => {
    const timestamp = nowSeconds();
    const signed = await call({ timestamp, body: { Extra: 'a' } });
    const answer = await call({ timestamp, body: { Extra: 'b' }, headers: { Authorization: signed.sent.headers['Authorization']! } });
    expect(codeOf(answer)).toBe('AuthFailure.SignatureFailure');
  });

  it('rejects a credential scope whose date is not the UTC date of X-TC-Timestamp', async () => {
    const answer = await withAuthorization((authorization) => authorization.replace(/\d{4}-\d{2}-\d{2}/, '1999-12-31'));
    expect(codeOf(answer)).toBe('AuthFailure.SignatureFailure');
  });

  it('accepts a request that also signs x-tc-action and x-tc-region, as Tencent\'s own samples sign them (values lower-cased)', async () => {
    expect(codeOf(await call({ alsoSign: ['x-tc-action'] }))).toBe('OK');
    expect(codeOf(await call({ alsoSign: ['x-tc-action', 'x-tc-region', 'x-tc-timestamp'] }))).toBe('OK');
  });

  it('rejects a signature over another value of an extra signed header', async () => {
    const timestamp = nowSeconds();
    const signed = await call({ timestamp, alsoSign: ['x-tc-region'] });
    const answer = await call({ timestamp, region: 'ap-jakarta', headers: { Authorization: signed.sent.headers['Authorization']! } });
    expect(codeOf(answer)).toBe('AuthFailure.SignatureFailure');
  });

  it.each([
    ['unsorted', 'SignedHeaders=host;content-type'],
    ['without host', 'SignedHeaders=content-type;x-tc-action'],
    ['naming a header the request does not carry', 'SignedHeaders=content-type;host;x-custom'],
    ['of more than 16 headers', `SignedHeaders=${['content-type', 'host', ...Array.from({ length: 15 }, (_unused, index) => `x-h${String(index).padStart(2, '0')}`)].sort().join(';')}`],
  ])('rejects signed headers %s as InvalidAuthorization', async (_case, signedHeaders) => {
    const answer = await withAuthorization((authorization) => authorization.replace('SignedHeaders=content-type;host', signedHeaders));
    expect(codeOf(answer)).toBe('AuthFailure.InvalidAuthorization');
  });

  it('checks the timestamp against the injected clock', async () => {
    const skewed = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR], now: () => Date.now() + 10 * 60_000 });
    try {
      const answer = await callEmulator(skewed.url);
      expect(codeOf(answer)).toBe('AuthFailure.SignatureExpire');
      expect(answer.json!.Response.Error!.Message).toContain('300 seconds');
    } finally {
      await skewed.close();
    }
  });

  it('explains a signature failure without revealing the key', async () => {
    const answer = await call({ signedHost: `127.0.0.1:${emulator.port}` });
    const message = answer.json!.Response.Error!.Message;
    expect(message).toContain('"127.0.0.1"');
    expect(message).not.toContain(TEST_KEY_PAIR.secretKey);
  });
});

describe('request shape', () => {
  it.each(['X-TC-Action', 'X-TC-Version', 'X-TC-Timestamp', 'X-TC-Region', 'Authorization', 'Content-Type'])(
    'answers MissingParameter naming a missing %s header',
    async (header) => {
      const answer = await call({ headers: { [header]: null } });
      expect(codeOf(answer)).toBe('MissingParameter');
      expect(answer.json!.Response.Error!.Message).toContain(`\`${header}\``);
    },
  );

  it.each<[string, EmulatorCall, string]>([
    ['an unknown action', { action: 'GetLivenessResult' }, 'InvalidAction'],
    ['another API version', { version: '2017-03-12' }, 'NoSuchVersion'],
    ['a region FaceID intl does not serve', { region: 'ap-guangzhou' }, 'UnsupportedRegion'],
    ['a form-encoded body', { contentType: 'application/x-www-form-urlencoded', body: 'CheckMode=liveness' }, 'InvalidParameter'],
    ['a GET request', { method: 'GET' }, 'UnsupportedProtocol'],
    ['a path other than /', { path: '/v3/faceid' }, 'UnsupportedProtocol'],
    ['a query string', { path: '/?Action=GetFaceIdTokenIntl' }, 'UnsupportedProtocol'],
    ['a body that is not JSON', { body: 'CheckMode=liveness' }, 'InvalidParameter'],
    ['a JSON array body', { body: [] }, 'InvalidParameter'],
    ['an empty body', { body: '' }, 'InvalidParameter'],
  ])('rejects %s', async (_, options, code) => {
    expect(codeOf(await call(options))).toBe(code);
  });

  it.each(['ap-singapore', 'ap-jakarta', 'ap-bangkok', 'ap-hongkong', 'sa-saopaulo'])('serves region %s', async (region) => {
    expect(codeOf(await call({ region }))).toBe('OK');
  });

  const oversizedBody = () => `{"Extra":"${'x'.repeat(REQUEST_BODY_LIMIT_BYTES)}"}`;

  it('refuses a body over 10 MiB, keeping none of it', async () => {
    const answer = await call({ body: oversizedBody() });

    expect(codeOf(answer)).toBe('RequestSizeLimitExceeded');
    expect(answer.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);
    expect(emulator.requests.map(({ body, responseCode }) => ({ body, responseCode }))).toEqual([{ body: '', responseCode: 'RequestSizeLimitExceeded' }]);
  });

  it('refuses a chunked body (no Content-Length) once it passes 10 MiB', async () => {
    const body = new TextEncoder().encode(oversizedBody());
    const probe = await call(); // only for a complete set of headers: the size is checked before the signature
    const response = await fetch(emulator.url, { method: 'POST', headers: probe.sent.headers, body: byteStream(body, 16), duplex: 'half' } as RequestInit);
    const json = (await response.json()) as { Response: { Error: { Code: string } } };

    expect(response.headers.get('content-length')).not.toBeNull();
    expect(json.Response.Error.Code).toBe('RequestSizeLimitExceeded');
  });

  it('refuses a body sent in one-byte chunks after about a thousand of them, and closes the connection', async () => {
    const probe = await call(); // only for a complete set of headers: the body is read before the signature is checked
    const headers = Object.fromEntries(Object.entries(probe.sent.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
    emulator.clearRecords();
    const answer = await postChunked(emulator.url, JSON.stringify({ CheckMode: 'liveness', Extra: 'x'.repeat(64 * 1024) }), 1, headers);
    const json = JSON.parse(answer.body) as { Response: { Error: { Code: string; Message: string } } };

    expect(json.Response.Error.Code).toBe('InvalidParameter');
    expect(json.Response.Error.Message).toMatch(/^The request body arrived in more than \d+ pieces for \d+ bytes; send it in larger chunks\.$/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closedByServer).toBe(true);
    expect(emulator.requests.map(({ body, responseCode }) => ({ body, responseCode }))).toEqual([{ body: '', responseCode: 'InvalidParameter' }]);
  });

  it('stops reading an endless upload', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Capped only so that a regression fails here instead of streaming forever.
        if (sent >= 4 * REQUEST_DISCARD_LIMIT_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const probe = await call();
    const outcome = await fetch(emulator.url, { method: 'POST', headers: probe.sent.headers, body: endless, duplex: 'half' } as RequestInit).then(
      (response) => response.text(),
      (error: unknown) => error,
    );

    // Whether the client read the answer before the socket closed depends on its timing; the server stopped either way.
    expect(typeof outcome === 'string' || outcome instanceof TypeError).toBe(true);
    expect(sent).toBeLessThan(4 * REQUEST_DISCARD_LIMIT_BYTES);
    expect(emulator.requests.map((request) => request.responseCode)).toContain('RequestSizeLimitExceeded');
  });
});

/** A byte body as a stream of `parts` chunks: fetch sends it chunked, without Content-Length. */
function byteStream(bytes: Uint8Array, parts: number): ReadableStream<Uint8Array> {
  const size = Math.ceil(bytes.length / parts);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + size));
      offset += size;
    },
  });
}

describe('parameters', () => {
  const G = 'GetFaceIdTokenIntl';
  const A = 'ApplySdkVerificationToken';
  const oversizedImage = 'QUFB'.repeat(MAX_IMAGE_BASE64_LENGTH / 4 + 1);
  const BOOLEANS = [
    'NeedVerifyIdCard', 'DisableChangeOcrResult', 'DisableCheckOcrWarnings', 'AllowExpiredDocument', 'SkipResultPage',
    'SkipLaunchPage', 'SkipOcrConfirmPage', 'HideProgressBar', 'AllowUploadPhoto', 'EnableForgeryDetectionImages',
  ];

  it.each<[string, string, Record<string, unknown>, string, string]>([
    // GetFaceIdTokenIntl: SecureLevel is a String, CheckMode a word
    [G, 'CheckMode outside liveness|compare', { CheckMode: 'selfie' }, 'InvalidParameterValue', 'CheckMode'],
    [G, 'CheckMode as a number', { CheckMode: 1 }, 'InvalidParameter', 'CheckMode'],
    [G, 'SecureLevel as an Integer', { SecureLevel: 4 }, 'InvalidParameter', 'SecureLevel'],
    [G, 'SecureLevel "5"', { SecureLevel: '5' }, 'InvalidParameterValue', 'SecureLevel'],
    [G, 'compare mode without Image', { CheckMode: 'compare' }, 'InvalidParameter', 'Image'],
    [G, 'compare mode with an empty Image', { CheckMode: 'compare', Image: '' }, 'InvalidParameter', 'Image'],
    [G, 'Image as a number', { Image: 42 }, 'InvalidParameter', 'Image'],
    [G, 'Image with a data: prefix', { Image: 'data:image/jpeg;base64,U0VDUkVUUElYRUxT' }, 'FailedOperation.ImageDecodeFailed', 'Image'],
    [G, 'Image over 8 MiB of base64', { CheckMode: 'compare', Image: oversizedImage }, 'FailedOperation.ImageSizeTooLarge', 'Image'],
    [G, 'Extra as an object', { Extra: { order: 42 } }, 'InvalidParameter', 'Extra'],
    [G, 'Extra over 1024 bytes in UTF-8', { Extra: 'é'.repeat(513) }, 'InvalidParameterValue', 'Extra'],
    [G, 'ActionList with a repeated action', { ActionList: 'blink,blink' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList with three actions', { ActionList: 'blink,mouth,nod' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList with an unknown action', { ActionList: 'wink' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList with a space', { ActionList: 'blink, mouth' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList empty', { ActionList: '' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList with SecureLevel "1"', { ActionList: 'blink', SecureLevel: '1' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'ActionList with SecureLevel "3"', { ActionList: 'nod', SecureLevel: '3' }, 'InvalidParameterValue', 'ActionList'],
    [G, 'SdkVersion outside BASIC|ENHANCED|PRO|PLUS', { SdkVersion: 'LITE' }, 'InvalidParameterValue', 'SdkVersion'],
    [G, 'RetryLimit 0', { RetryLimit: 0 }, 'InvalidParameterValue', 'RetryLimit'],
    [G, 'RetryLimit 6', { RetryLimit: 6 }, 'InvalidParameterValue', 'RetryLimit'],
    [G, 'RetryLimit as a String', { RetryLimit: '3' }, 'InvalidParameter', 'RetryLimit'],
    [G, 'RetryLimit 2.5', { RetryLimit: 2.5 }, 'InvalidParameter', 'RetryLimit'],
    [G, 'RetryLimit null', { RetryLimit: null }, 'InvalidParameter', 'RetryLimit'],
    [G, "the other action's SecurityLevel", { SecurityLevel: 4 }, 'UnknownParameter', 'SecurityLevel'],
    [G, 'a key named constructor', { constructor: 1 }, 'UnknownParameter', 'constructor'],
    // ApplySdkVerificationToken: CheckMode and SecurityLevel are Integers
    [A, 'CheckMode as a String', { CheckMode: '1' }, 'InvalidParameter', 'CheckMode'],
    [A, 'Extra over 1024 bytes', { Extra: 'x'.repeat(5 * 1024 * 1024) }, 'InvalidParameterValue', 'Extra'],
    [A, 'CheckMode 4', { CheckMode: 4 }, 'InvalidParameterValue', 'CheckMode'],
    [A, 'SecurityLevel 0', { SecurityLevel: 0 }, 'InvalidParameterValue', 'SecurityLevel'],
    [A, 'SecurityLevel 5', { SecurityLevel: 5 }, 'InvalidParameterValue', 'SecurityLevel'],
    [A, 'SecurityLevel as a String', { SecurityLevel: '4' }, 'InvalidParameter', 'SecurityLevel'],
    [A, 'IdCardType spelled TaiwanIDCard', { IdCardType: 'TaiwanIDCard' }, 'InvalidParameterValue', 'IdCardType'],
    [A, 'IdCardType as a number', { IdCardType: 1 }, 'InvalidParameter', 'IdCardType'],
    [A, 'CheckMode 2 without CompareImage', { CheckMode: 2 }, 'InvalidParameter', 'CompareImage'],
    [A, 'CompareImage that is not base64', { CompareImage: 'SECRET PIXELS!' }, 'FailedOperation.ImageDecodeFailed', 'CompareImage'],
    [A, 'CompareImage over 8 MiB of base64', { CheckMode: 2, CompareImage: oversizedImage }, 'FailedOperation.ImageSizeTooLarge', 'CompareImage'],
    [A, 'ActionList with SecurityLevel 3', { ActionList: 'shake', SecurityLevel: 3 }, 'InvalidParameterValue', 'ActionList'],
    [A, 'ActionList with SecurityLevel 1', { ActionList: 'blink,nod', SecurityLevel: 1 }, 'InvalidParameterValue', 'ActionList'],
    [A, 'ActionList with three actions', { ActionList: 'blink,mouth,nod' }, 'InvalidParameterValue', 'ActionList'],
    [A, 'Extra as a number', { Extra: 1 }, 'InvalidParameter', 'Extra'],
    [A, 'RetryLimit 6', { RetryLimit: 6 }, 'InvalidParameterValue', 'RetryLimit'],
    [A, 'SdkVersion as a number', { SdkVersion: 2 }, 'InvalidParameter', 'SdkVersion'],
    [A, 'SelectedWarningCodes of Strings', { SelectedWarningCodes: ['-9101'] }, 'InvalidParameter', 'SelectedWarningCodes'],
    [A, 'SelectedWarningCodes as one Integer', { SelectedWarningCodes: -9101 }, 'InvalidParameter', 'SelectedWarningCodes'],
    [A, 'CardOcrDisplayFields of Integers', { CardOcrDisplayFields: [1] }, 'InvalidParameter', 'CardOcrDisplayFields'],
    [A, 'MetaData as an object', { MetaData: {} }, 'InvalidParameter', 'MetaData'],
    [A, "the other action's SecureLevel", { SecureLevel: '4' }, 'UnknownParameter', 'SecureLevel'],
    [A, "the other action's Image", { Image: IMAGE }, 'UnknownParameter', 'Image'],
    ...BOOLEANS.map((name): [string, string, Record<string, unknown>, string, string] => [A, `${name} as a String`, { [name]: 'true' }, 'InvalidParameter', name]),
  ])('%s rejects %s', async (action, _, body, code, parameter) => {
    const answer = await call({ action, body });
    const message = answer.json!.Response.Error?.Message ?? '';

    expect(codeOf(answer)).toBe(code);
    expect(message).toContain(parameter);
    // Images are personal data: no message may carry any of their content.
    expect(message).not.toContain('QUFB');
    expect(message).not.toContain('U0VDUkVUUElYRUxT');
    expect(message).not.toContain('SECRET');
  });

  it.each<[string, string, Record<string, unknown>]>([
    [G, 'every parameter at once', { CheckMode: 'compare', SecureLevel: '2', Image: IMAGE, Extra: 'order-42', ActionList: 'blink,mouth', SdkVersion: 'PLUS', RetryLimit: 1 }],
    [G, 'ActionList under the default SecureLevel "4"', { ActionList: 'nod' }],
    [G, 'an Image in liveness mode', { Image: IMAGE }],
    [G, 'an Image of exactly 8 MiB of base64', { CheckMode: 'compare', Image: 'QUFB'.repeat(MAX_IMAGE_BASE64_LENGTH / 4) }],
    [G, 'an empty body', {}],
    [A, 'every parameter at once', {
      CheckMode: 2, SecurityLevel: 2, IdCardType: 'TaiWanIDCard', CompareImage: IMAGE, NeedVerifyIdCard: false,
      DisableChangeOcrResult: true, DisableCheckOcrWarnings: true, Extra: 'order-42', ActionList: 'shake,nod',
      SdkVersion: 'PLUS', RetryLimit: 5, SelectedWarningCodes: [-9101, -9102], AllowExpiredDocument: true,
      SkipResultPage: true, SkipLaunchPage: false, SkipOcrConfirmPage: true, HideProgressBar: false,
      AllowUploadPhoto: true, EnableForgeryDetectionImages: true, CardOcrDisplayFields: ['Name', 'IdNum'], MetaData: '{"k":"v"}',
    }],
    [A, 'ActionList under the default SecurityLevel 4', { ActionList: 'blink' }],
    [A, 'CheckMode 3 without CompareImage', { CheckMode: 3 }],
    [A, 'an empty body', {}],
  ])('%s accepts %s', async (action, _, body) => {
    expect(codeOf(await call({ action, body }))).toBe('OK');
  });

  it('accepts each of the 21 IdCardType values of seed 001', async () => {
    const answers = await Promise.all(ID_CARD_TYPES.map((IdCardType) => call({ action: A, body: { IdCardType } })));
    expect(ID_CARD_TYPES).toHaveLength(21);
    expect(answers.map(codeOf)).toEqual(ID_CARD_TYPES.map(() => 'OK'));
  });
});

describe('rate limit', () => {
  const OTHER_ACCOUNT: EmulatorKeyPair = { secretId: 'AKIDTESTOTHERACCOUNT00000000000000', secretKey: 'other-account-key' };
  let limited: FaceIdEmulator;
  beforeAll(async () => {
    limited = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR, OTHER_ACCOUNT] });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('admits 20 requests per action, region and account per second and refuses the rest, leaving the others alone', async () => {
    const [selfie, ekyc, otherRegion, otherAccount] = await Promise.all([
      Promise.all(Array.from({ length: 25 }, () => callEmulator(limited.url, { action: 'GetFaceIdTokenIntl' }))),
      Promise.all(Array.from({ length: 5 }, () => callEmulator(limited.url, { action: 'ApplySdkVerificationToken' }))),
      Promise.all(Array.from({ length: 5 }, () => callEmulator(limited.url, { action: 'GetFaceIdTokenIntl', region: 'ap-jakarta' }))),
      Promise.all(Array.from({ length: 5 }, () => callEmulator(limited.url, { action: 'GetFaceIdTokenIntl', keyPair: OTHER_ACCOUNT }))),
    ]);
    // Tencent counts per action, access region and (sub-)account.
    expect(otherRegion.map(codeOf)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    expect(otherAccount.map(codeOf)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);

    const selfieCodes = selfie.map(codeOf);
    expect(selfieCodes.filter((code) => code === 'OK')).toHaveLength(20);
    expect(selfieCodes.filter((code) => code === 'RequestLimitExceeded')).toHaveLength(5);
    expect(ekyc.map(codeOf)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    const refused = selfie.find((answer) => codeOf(answer) === 'RequestLimitExceeded')!;
    expect(refused.json!.Response.Error!.Message).toContain('frequency limit `20`');
    expect(refused.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);

    // Refused requests do not occupy the window: once the admitted ones are a second old, requests pass again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(codeOf(await callEmulator(limited.url, { action: 'GetFaceIdTokenIntl' }))).toBe('OK');
  });
});

describe('faults', () => {
  const G = 'GetFaceIdTokenIntl';

  it('answers a scripted Tencent error once, then normally', async () => {
    emulator.scriptFault(G, { kind: 'tencentError', code: 'InternalError', message: 'Scripted outage.' });

    const first = await call();
    const second = await call();

    expect(first.json!.Response.Error).toEqual({ Code: 'InternalError', Message: 'Scripted outage.' });
    expect(first.json!.Response.RequestId).toMatch(REQUEST_ID_PATTERN);
    expect(codeOf(second)).toBe('OK');
    expect(emulator.requests.map((request) => request.responseCode)).toEqual(['InternalError', 'OK']);
  });

  it('repeats a fault `times` times, in queue order, for its own action only', async () => {
    emulator.scriptFault(G, { kind: 'tencentError', code: 'RequestLimitExceeded.UinLimitExceeded' }, { times: 2 });
    emulator.scriptFault(G, { kind: 'tencentError', code: 'FailedOperation.ImageSizeTooLarge' });

    const other = await call({ action: 'ApplySdkVerificationToken' });
    const codes = [];
    for (let index = 0; index < 4; index += 1) codes.push(codeOf(await call()));

    expect(codeOf(other)).toBe('OK');
    expect(codes).toEqual(['RequestLimitExceeded.UinLimitExceeded', 'RequestLimitExceeded.UinLimitExceeded', 'FailedOperation.ImageSizeTooLarge', 'OK']);
  });

  it('keeps an API fault queued while requests fail authentication', async () => {
    emulator.scriptFault(G, { kind: 'tencentError', code: 'InternalError' });

    const unsigned = await call({ keyPair: { ...TEST_KEY_PAIR, secretKey: 'wrong' } });
    const signed = await call();

    expect([codeOf(unsigned), codeOf(signed)]).toEqual(['AuthFailure.SignatureFailure', 'InternalError']);
  });

  it('delays an answer by a scripted latency', async () => {
    emulator.scriptFault(G, { kind: 'latency', ms: 300 });

    const started = performance.now();
    const answer = await call();

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(codeOf(answer)).toBe('OK');
  });

  it('combines a latency with the outcome fault queued beside it', async () => {
    emulator.scriptFault(G, { kind: 'latency', ms: 200 });
    emulator.scriptFault(G, { kind: 'tencentError', code: 'InternalError' });

    const started = performance.now();
    const answer = await call();

    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(codeOf(answer)).toBe('InternalError');
  });

  it('answers a scripted HTTP status with an edge-proxy HTML page, before checking the signature', async () => {
    emulator.scriptFault(G, { kind: 'httpStatus', status: 502 });

    const answer = await call({ keyPair: { ...TEST_KEY_PAIR, secretKey: 'wrong' } });

    expect(answer.status).toBe(502);
    expect(answer.headers.get('content-type')).toBe('text/html');
    expect(answer.text).toContain('<title>502 Bad Gateway</title>');
    expect(emulator.requests[0]!.responseCode).toBe('httpStatus');
  });

  it('answers a scripted HTTP status with a given body', async () => {
    emulator.scriptFault(G, { kind: 'httpStatus', status: 503, body: 'upstream overloaded' });

    const answer = await call();

    expect([answer.status, answer.text]).toEqual([503, 'upstream overloaded']);
  });

  it('resets the connection without answering', async () => {
    emulator.scriptFault(G, { kind: 'reset' });

    await expect(call()).rejects.toThrow(TypeError);
    expect(emulator.requests.map((request) => request.responseCode)).toEqual(['reset']);
    expect(codeOf(await call())).toBe('OK');
  });

  it('answers HTTP 200 with a truncated JSON body', async () => {
    emulator.scriptFault(G, { kind: 'malformedBody' });

    const answer = await call();

    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();
    expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
    expect(emulator.requests[0]!.responseCode).toBe('malformedBody');
  });

  it('forgets queued faults on clearFaults', async () => {
    emulator.scriptFault(G, { kind: 'reset' }, { times: 3 });
    emulator.clearFaults();

    expect(codeOf(await call())).toBe('OK');
  });

  it.each<[string, () => void]>([
    ['times 0', () => emulator.scriptFault(G, { kind: 'reset' }, { times: 0 })],
    ['a negative latency', () => emulator.scriptFault(G, { kind: 'latency', ms: -1 })],
    ['an HTTP status of 42', () => emulator.scriptFault(G, { kind: 'httpStatus', status: 42 })],
    ['an empty Tencent code', () => emulator.scriptFault(G, { kind: 'tencentError', code: '' })],
    ['an empty action', () => emulator.scriptFault('', { kind: 'reset' })],
  ])('refuses to script %s', (_, script) => {
    expect(script).toThrow(TypeError);
  });
});

describe('records', () => {
  it('records the exact headers and body of each request with its outcome', async () => {
    const before = Date.now();
    const ok = await call({ action: 'ApplySdkVerificationToken', body: { IdCardType: 'ML' } });
    await call({ action: 'ApplySdkVerificationToken', body: { IdCardType: 'XX' } });
    const after = Date.now();

    const [first, second] = emulator.requests;
    expect(emulator.requests).toHaveLength(2);
    expect(first!.receivedAtMs).toBeGreaterThanOrEqual(before);
    expect(first!.receivedAtMs).toBeLessThanOrEqual(after);
    expect(first).toMatchObject({ action: 'ApplySdkVerificationToken', body: '{"IdCardType":"ML"}', responseCode: 'OK' });
    expect(first!.headers).toMatchObject({
      authorization: ok.sent.headers['Authorization'],
      'content-type': 'application/json',
      'x-tc-action': 'ApplySdkVerificationToken',
      'x-tc-timestamp': ok.sent.headers['X-TC-Timestamp'],
      'x-tc-region': 'ap-singapore',
      'x-tc-version': '2018-03-01',
      host: `127.0.0.1:${emulator.port}`,
    });
    expect(second).toMatchObject({ body: '{"IdCardType":"XX"}', responseCode: 'InvalidParameterValue' });
    expect(first!.responseRequestId).toBe(ok.json!.Response.RequestId);
  });

  it('records a request held by a latency at once, and its outcome when it is answered', async () => {
    emulator.scriptFault('GetFaceIdTokenIntl', { kind: 'latency', ms: 300 });

    const answering = call();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.requests.map((request) => request.responseCode)).toEqual(['latency']);
    const answer = await answering;

    expect(emulator.requests).toEqual([expect.objectContaining({ responseCode: 'OK', responseRequestId: answer.json!.Response.RequestId })]);
  });

  it('records a fault that answers without an envelope without a RequestId', async () => {
    emulator.scriptFault('GetFaceIdTokenIntl', { kind: 'httpStatus', status: 502 });
    await call();

    expect(emulator.requests[0]!.responseCode).toBe('httpStatus');
    expect(emulator.requests[0]!.responseRequestId).toBeUndefined();
  });

  it('empties the records in place on clearRecords', async () => {
    const records = emulator.requests;
    await call();
    emulator.clearRecords();

    expect(records).toHaveLength(0);
    expect(emulator.requests).toBe(records);
  });
});

describe('lifecycle', () => {
  it('closes promptly with a keep-alive connection open and a request waiting on a latency', async () => {
    const local = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR] });
    await callEmulator(local.url); // leaves an idle keep-alive socket behind
    local.scriptFault('GetFaceIdTokenIntl', { kind: 'latency', ms: 60_000 });
    const waiting = callEmulator(local.url).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = performance.now();
    await local.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(await waiting).toBeInstanceOf(TypeError);
  });

  it.each<[string, Parameters<typeof startFaceIdEmulator>[0]]>([
    ['no key pairs', { keyPairs: [] }],
    ['a key pair without a secret key', { keyPairs: [{ secretId: 'AKID', secretKey: '' }] }],
    ['a repeated SecretId', { keyPairs: [TEST_KEY_PAIR, TEST_KEY_PAIR] }],
    ['a rate limit of 0', { keyPairs: [TEST_KEY_PAIR], rateLimitPerSecond: 0 }],
    ['a negative timestamp tolerance', { keyPairs: [TEST_KEY_PAIR], timestampToleranceSeconds: -1 }],
  ])('refuses to start with %s', async (_, options) => {
    await expect(startFaceIdEmulator(options)).rejects.toThrow(TypeError);
  });
});

describe('the record of requests', () => {
  const started: FaceIdEmulator[] = [];
  afterAll(async () => {
    for (const emulator of started) await emulator.close();
  });

  async function startRecording(bounds: { maxRecordedRequests?: number; maxRecordedBodyBytes?: number }) {
    const emulator = await startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR], rateLimitPerSecond: 1000, ...bounds });
    started.push(emulator);
    return emulator;
  }

  /** An unsigned POST of `bodyChars` characters: refused, but recorded with its body. */
  const postUnsigned = (emulator: FaceIdEmulator, bodyChars: number) =>
    fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"p":"${'x'.repeat(bodyChars - 8)}"}` }).then((response) => response.text());

  it('keeps the latest requests only, up to maxRecordedRequests', async () => {
    const emulator = await startRecording({ maxRecordedRequests: 5 });
    for (let index = 0; index < 12; index++) await postUnsigned(emulator, 100 + index);
    expect(emulator.requests.map((request) => request.body.length)).toEqual([107, 108, 109, 110, 111]);
  });

  it('keeps at most maxRecordedBodyBytes of body text, always with the latest request', async () => {
    const emulator = await startRecording({ maxRecordedBodyBytes: 10_000 });
    for (let index = 0; index < 10; index++) await postUnsigned(emulator, 3_000);
    expect(emulator.requests).toHaveLength(3);
    await postUnsigned(emulator, 20_000);
    expect(emulator.requests.map((request) => request.body.length)).toEqual([20_000]);
    emulator.clearRecords();
    await postUnsigned(emulator, 3_000);
    expect(emulator.requests).toHaveLength(1);
  });

  it('counts the headers too: requests of a thousand small headers each stay within maxRecordedBodyBytes', async () => {
    const emulator = await startRecording({ maxRecordedBodyBytes: 50_000 });
    const headers = Object.fromEntries(Array.from({ length: 1000 }, (_unused, index) => [`x-h${index}`, 'v']));
    for (let index = 0; index < 20; index++) {
      await fetch(emulator.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' }).then((response) => response.text());
    }
    const held = emulator.requests.reduce((sum, request) => sum + request.body.length + Object.entries(request.headers).reduce((chars, [name, value]) => chars + name.length + value.length, 0), 0);
    expect(emulator.requests.length).toBeLessThan(20);
    expect(held).toBeLessThanOrEqual(50_000);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a bound of %s, naming it', async (bound) => {
    await expect(startFaceIdEmulator({ keyPairs: [TEST_KEY_PAIR], maxRecordedRequests: bound })).rejects.toThrow(/`maxRecordedRequests` must be a positive integer/);
  });
});

describe('the control API', () => {
  it('answers 404 to a token path whose percent-encoding is malformed, rather than dropping the connection', async () => {
    const response = await fetch(`${emulator.url}/__emulator/verifications/%E0%A4%A`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'SUCCESS' }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'The emulator minted no token with this value (or has forgotten it).' });
  });
});
