import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  RateLimitedError,
  SdkTokenExpiredError,
  SdkTokenUnknownError,
  UpstreamFailedError,
  UpstreamMisconfiguredError,
  UpstreamUnavailableError,
} from '../src/errors.js';
import type { SharedBudget } from '../src/faceid/shared-budget.js';
import { signTc3 } from '../src/faceid/tc3.js';
import { EKYC_MUTATION, SELFIE_MUTATION, TEST_KEY_PAIR, harnessPerTest } from './helpers/harness.js';

const start = harnessPerTest();

const SELFIE = 'GetFaceIdTokenIntl';

describe('Tencent error codes become documented GraphQL errors', () => {
  it.each([
    ['InvalidParameter', 'BAD_USER_INPUT', false, 400],
    ['InvalidParameterValue', 'BAD_USER_INPUT', false, 400],
    ['InvalidParameterValue.BizTokenIllegal', 'SDK_TOKEN_UNKNOWN', false, 404],
    ['InvalidParameterValue.BizTokenExpired', 'SDK_TOKEN_EXPIRED', false, 410],
    ['MissingParameter', 'BAD_USER_INPUT', false, 400],
    ['UnknownParameter', 'BAD_USER_INPUT', false, 400],
    ['FailedOperation.ImageSizeTooLarge', 'BAD_USER_INPUT', false, 400],
    ['FailedOperation.ImageDecodeFailed', 'BAD_USER_INPUT', false, 400],
    ['RequestSizeLimitExceeded', 'BAD_USER_INPUT', false, 400],
    ['RequestLimitExceeded', 'RATE_LIMITED', true, 429],
    ['RequestLimitExceeded.UinLimitExceeded', 'RATE_LIMITED', true, 429],
    ['RequestLimitExceeded.IPLimitExceeded', 'RATE_LIMITED', true, 429],
    ['FailedOperation.RequestLimitExceeded', 'RATE_LIMITED', true, 429],
    ['InternalError', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['InternalError.UnKnown', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['ServiceUnavailable', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['ResourceUnavailable', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['ResourceInsufficient', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['FailedOperation.CompareSystemError', 'UPSTREAM_UNAVAILABLE', true, 503],
    ['AuthFailure.SignatureFailure', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['AuthFailure.SecretIdNotFound', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['AuthFailure.TokenFailure', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['UnauthorizedOperation.Nonactivated', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['UnauthorizedOperation.Arrears', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['UnsupportedRegion', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['InvalidAction', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['NoSuchVersion', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['IpNotInWhitelist', 'UPSTREAM_MISCONFIGURED', false, 500],
    ['FailedOperation.UnKnown', 'UPSTREAM_FAILED', false, 502],
    ['LimitExceeded', 'UPSTREAM_FAILED', false, 502],
    ['SomethingNew.NeverSeen', 'UPSTREAM_FAILED', false, 502],
  ])('maps %s to %s (retryable %s, HTTP %i)', async (tencentCode, code, retryable, status) => {
    const { emulator, graphql } = await start({ client: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } } });
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: tencentCode, message: 'Tencent says no.' });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.status).toBe(status);
    expect(response.body.data).toBeNull();
    const [error] = response.body.errors!;
    const requestId = emulator.requests[0]!.responseRequestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error!.extensions).toEqual({
      code,
      retryable,
      tencentCode,
      requestId,
      ...(code === 'RATE_LIMITED' ? { retryAfter: 1 } : {}),
    });
    if (code === 'RATE_LIMITED') expect(response.headers.get('retry-after')).toBe('1');
  });

  it.each([
    ['a caller mistake (its input)', 'InvalidParameterValue', 30],
    ['a caller mistake (a token Tencent does not know)', 'InvalidParameterValue.BizTokenIllegal', 30],
    ['the weather', 'InternalError', 40],
    ['a misconfiguration', 'AuthFailure.SecretIdNotFound', 50],
  ])('logs %s, Tencent %s, at level %i: a caller cannot fill the warnings', async (_case, tencentCode, level) => {
    const { emulator, graphql, log } = await start({ client: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } } });
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: tencentCode, message: 'Scripted.' });
    await graphql(SELFIE_MUTATION, { input: {} });
    expect(log.entries().filter((entry) => entry.tencentCode === tencentCode).map((entry) => entry.level)).toEqual([level]);
  });

  it('signs again and tries once more after AuthFailure.SignatureExpire, even with no retries configured, and mints', async () => {
    const { emulator, graphql, log } = await start({ client: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } } });
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'AuthFailure.SignatureExpire', message: 'The signature expired.' });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.status).toBe(200);
    expect(response.body.data!.getSelfieToken.sdkToken).toMatch(/^[0-9A-F-]{36}$/);
    expect(emulator.requests.map((request) => request.responseCode)).toEqual(['AuthFailure.SignatureExpire', 'OK']);
    const logged = log.entries().filter((entry) => entry.tencentCode === 'AuthFailure.SignatureExpire');
    expect(logged.map((entry) => entry.level)).toEqual([40]);
  });

  it('maps AuthFailure.SignatureExpire answered twice to UPSTREAM_MISCONFIGURED (the gateway\'s clock) and logs it as an error', async () => {
    const { emulator, graphql, log } = await start({ client: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } } });
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'AuthFailure.SignatureExpire', message: 'The signature expired.' }, { times: 2 });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.status).toBe(500);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_MISCONFIGURED', retryable: false, tencentCode: 'AuthFailure.SignatureExpire' });
    expect(emulator.requests).toHaveLength(2);
    const logged = log.entries().filter((entry) => entry.tencentCode === 'AuthFailure.SignatureExpire');
    expect(logged.map((entry) => entry.level)).toEqual([40, 50]);
  });

  it('keeps Tencent\'s text out of a misconfiguration error and logs it for the operator', async () => {
    const { emulator, graphql, log } = await start();
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found: AKID-internal' });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.body.errors![0]!.message).toBe(
      'The gateway is misconfigured for Tencent Cloud FaceID; the operator has been notified in the server log.',
    );
    expect(response.text).not.toContain('AKID-internal');
    const logged = log.entries().find((entry) => entry.tencentCode === 'AuthFailure.SecretIdNotFound');
    expect(logged).toMatchObject({ level: 50, code: 'UPSTREAM_MISCONFIGURED', action: SELFIE });
    expect(String(logged!.msg)).toContain('The SecretId is not found');
  });

  it('forwards Tencent\'s message for input errors without any echoed image bytes', async () => {
    const { emulator, graphql } = await start();
    const echoed = 'iVBORw0KGgo'.padEnd(120, 'A');
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'InvalidParameterValue', message: `Image is invalid: ${echoed}` });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.body.errors![0]!.message).toBe(
      'Tencent Cloud rejected the request (InvalidParameterValue): Image is invalid: […]',
    );
  });
});

describe('transport failures are UPSTREAM_UNAVAILABLE and retried', () => {
  it.each([
    ['an HTTP 502 from an edge proxy', { kind: 'httpStatus', status: 502 } as const, /answered GetFaceIdTokenIntl with HTTP 502/],
    ['an HTTP 404', { kind: 'httpStatus', status: 404 } as const, /HTTP 404/],
    ['a connection reset', { kind: 'reset' } as const, /could not be reached for GetFaceIdTokenIntl \(ECONNRESET\)/],
    ['a malformed body', { kind: 'malformedBody' } as const, /could not be read: the body is not JSON/],
  ])('retries %s up to the limit, then answers UPSTREAM_UNAVAILABLE', async (_name, fault, message) => {
    const { emulator, graphql } = await start();
    emulator.scriptFault(SELFIE, fault, { times: 3 });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.status).toBe(503);
    expect(response.body.errors![0]!.message).toMatch(message);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(emulator.requests).toHaveLength(3);
  });

  it('succeeds when a retry succeeds, signing every attempt anew', async () => {
    let tick = 0;
    // A clock that moves a second per reading, so each attempt's signature must differ from the last.
    const { emulator, graphql } = await start({ client: { now: () => Date.now() + 1000 * tick++, totalTimeoutMs: 600_000 } });
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'InternalError' });
    emulator.scriptFault(SELFIE, { kind: 'reset' });
    const response = await graphql(SELFIE_MUTATION, { input: { extra: 'retry-me' } });
    expect(response.body.data!.getSelfieToken.sdkToken).toBeTruthy();
    expect(emulator.requests).toHaveLength(3);
    const timestamps = emulator.requests.map((request) => request.headers['x-tc-timestamp']);
    expect(new Set(timestamps).size).toBe(3);
    for (const request of emulator.requests) {
      expect(request.body).toBe('{"Extra":"retry-me"}');
      const expected = signTc3({
        ...TEST_KEY_PAIR,
        service: 'faceid',
        host: '127.0.0.1',
        contentType: 'application/json',
        payload: request.body,
        timestamp: Number(request.headers['x-tc-timestamp']),
      });
      expect(request.headers.authorization).toBe(expected.authorization);
    }
    expect(new Set(emulator.requests.map((request) => request.headers.authorization)).size).toBe(3);
  });

  it('does not retry what cannot succeed', async () => {
    const { emulator, graphql } = await start();
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'InvalidParameter' }, { times: 3 });
    await graphql(SELFIE_MUTATION, { input: {} });
    expect(emulator.requests).toHaveLength(1);
  });

  it('retries a Tencent rate limit after about a second, through the throttle', async () => {
    const { emulator, graphql } = await start();
    emulator.scriptFault(SELFIE, { kind: 'tencentError', code: 'RequestLimitExceeded' });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.body.data!.getSelfieToken.sdkToken).toBeTruthy();
    const [first, second] = emulator.requests;
    const gap = second!.receivedAtMs - first!.receivedAtMs;
    expect(gap).toBeGreaterThanOrEqual(490);
    expect(gap).toBeLessThan(1500);
  });

  it('times out one attempt, and the whole call within its deadline', async () => {
    const { emulator, graphql } = await start({
      client: { attemptTimeoutMs: 300, totalTimeoutMs: 1000, retry: { maxRetries: 10, baseDelayMs: 1, maxDelayMs: 1 } },
    });
    emulator.scriptFault(SELFIE, { kind: 'latency', ms: 2000 }, { times: 20 });
    const started = Date.now();
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(response.body.errors![0]!.message).toMatch(/did not answer GetFaceIdTokenIntl within (300|1000) ms/);
    expect(elapsed).toBeLessThan(1600);
    expect(emulator.requests.length).toBeGreaterThanOrEqual(3);
    expect(emulator.requests.length).toBeLessThanOrEqual(4);
  });

  it('answers RATE_LIMITED, not a Tencent timeout, to a call whose deadline passes while it waits in the queue', async () => {
    // A shared budget that admits the call (nobody is busy) and then never grants it a slot.
    const stingy: SharedBudget = {
      take: async () => ({ granted: [], waitMs: 100, busyCallers: 1, busyQueues: 1 }),
      ready: async () => true,
      close: async () => undefined,
    };
    const { emulator, graphql } = await start({ client: { sharedBudget: stingy, maxQueueWaitMs: 200, totalTimeoutMs: 400 } });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.status).toBe(429);
    expect(response.body.errors![0]).toMatchObject({
      message: "The call to GetFaceIdTokenIntl waited 400 ms in the gateway's queue without a turn; retry in a moment.",
      extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter: 1 },
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it('tells a call whose deadline passed in the queue to wait as long as its next request would, not a fixed second', async () => {
    // 1 a second: four calls of one caller are granted at 0, 1, 2 and 3 s; the last two run out of time at 1.5 s,
    // when the caller still has a call queued for 3 s (a new one would go after it).
    const { emulator, graphql } = await start({ client: { rateLimitPerSecond: 1, maxQueueWaitMs: 10_000, totalTimeoutMs: 1500 } });
    const responses = await Promise.all(Array.from({ length: 4 }, () => graphql(SELFIE_MUTATION, { input: {} })));
    const refused = responses.filter((response) => response.status === 429).map((response) => response.body.errors![0]!.extensions as { code: string; retryAfter: number });
    // At least the last two (a busy machine may delay the second grant past the deadline too).
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(new Set(refused.map((extensions) => extensions.code))).toEqual(new Set(['RATE_LIMITED']));
    expect(Math.max(...refused.map((extensions) => extensions.retryAfter))).toBeGreaterThanOrEqual(2);
    expect(emulator.requests).toHaveLength(4 - refused.length);
  });

  it('answers UPSTREAM_UNAVAILABLE when nothing listens at the endpoint', async () => {
    const { graphql } = await start({ client: { endpoint: 'http://127.0.0.1:1', retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } } });
    const response = await graphql(EKYC_MUTATION, { input: {} });
    expect(response.status).toBe(503);
    expect(response.body.errors![0]!.message).toBe('Tencent Cloud could not be reached for ApplySdkVerificationToken (ECONNREFUSED).');
  });
});

describe('temporary credentials', () => {
  it('sends the session token as X-TC-Token, unsigned', async () => {
    const sessionToken = 'sts-session-token-value';
    const { emulator, graphql } = await start({
      emulator: { keyPairs: [{ ...TEST_KEY_PAIR, sessionToken }] },
      client: { credentials: { ...TEST_KEY_PAIR, sessionToken } },
    });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.body.errors).toBeUndefined();
    expect(emulator.requests[0]!.headers['x-tc-token']).toBe(sessionToken);
    expect(emulator.requests[0]!.headers.authorization).toContain('SignedHeaders=content-type;host,');
  });

  it('is refused by Tencent without the session token', async () => {
    const { graphql } = await start({ emulator: { keyPairs: [{ ...TEST_KEY_PAIR, sessionToken: 'required-token' }] } });
    const response = await graphql(SELFIE_MUTATION, { input: {} });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_MISCONFIGURED', tencentCode: 'AuthFailure.TokenFailure' });
  });
});

describe('gateway errors are expected outcomes', () => {
  it.each([
    ['InvalidInputError', () => new InvalidInputError('bad', { field: 'input.image' })],
    ['RateLimitedError', () => new RateLimitedError('later', { retryAfterSeconds: 1 })],
    ['UpstreamUnavailableError', () => new UpstreamUnavailableError('down', { cause: new Error('reset') })],
    ['UpstreamMisconfiguredError', () => new UpstreamMisconfiguredError('wrong key')],
    ['UpstreamFailedError', () => new UpstreamFailedError('failed')],
    ['SdkTokenUnknownError', () => new SdkTokenUnknownError('unknown')],
    ['SdkTokenExpiredError', () => new SdkTokenExpiredError('expired')],
  ])('%s captures no stack (its message is its stack), and leaves the stack limit as it was', (_name, create) => {
    const limit = Error.stackTraceLimit;
    const error = create();
    expect(error.stack?.split('\n')).toHaveLength(1);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('a bug').stack?.split('\n').length).toBeGreaterThan(1);
  });

  it('keeps the stack of its cause', () => {
    const cause = new Error('reset');
    expect(new UpstreamUnavailableError('down', { cause }).cause).toBe(cause);
    expect(cause.stack?.split('\n').length).toBeGreaterThan(1);
  });
});
