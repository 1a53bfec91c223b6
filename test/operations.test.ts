import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { createMetrics } from '../src/observability/metrics.js';
import { API_KEYS, REQUIRED_AUTH, signToken } from './helpers/credentials.js';
import { SAMPLE_IMAGE_BASE64, selfieTokenRequest, startHarness, type Harness } from './helpers/harness.js';
import { EKYC, sendGraphQL } from './helpers/requests.js';

const IMAGE = Buffer.from('an-id-photo-that-must-never-be-logged-'.repeat(30)).toString('base64');
const compare = (image: string) => selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image });

let harness: Harness;
let ready = true;
const metrics = createMetrics();
const sdkTokens: string[] = [];
const jwtFor = () => signToken({ scope: 'faceid:selfie faceid:ekyc', sub: 'frontend-user-7' });

beforeAll(async () => {
  harness = await startHarness({
    client: { observer: metrics.clientObserver },
    app: { authenticate: createAuthenticator(REQUIRED_AUTH), metrics, isReady: () => ready },
  });
});
afterAll(() => harness.close());

function requestLines(): Array<Record<string, any>> {
  return harness.log.entries().filter((entry) => entry.msg === 'request');
}

describe('request logs', () => {
  it('writes one line per request with its id, caller, operation, Tencent RequestId, duration, status and outcome', async () => {
    const response = await sendGraphQL(harness.app, compare(IMAGE), {
      headers: { authorization: `Bearer ${await jwtFor()}`, 'x-request-id': 'trace-abc-123' },
    });
    const token = response.body.data!.getSelfieToken;
    sdkTokens.push(token.sdkToken);
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const lines = requestLines().filter((line) => line.requestId === 'trace-abc-123');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      caller: 'jwt:frontend-user-7',
      operation: 'GetSelfieToken',
      tencentRequestIds: [token.requestId],
      status: 200,
      outcome: 'OK',
    });
    expect(lines[0]!.durationMs).toBeGreaterThan(0);
  });

  it('makes a request id when the incoming one is missing or unsafe, and logs refusals with their code', async () => {
    const refused = await sendGraphQL(harness.app, EKYC, { headers: { 'x-request-id': 'bad id\nwith newline' } });
    const id = refused.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines().find((line) => line.requestId === id)).toMatchObject({
      caller: expect.stringMatching(/^ip:/),
      operation: 'ApplyEkycToken',
      tencentRequestIds: [],
      status: 401,
      outcome: 'UNAUTHENTICATED',
    });
  });

  it.each([
    ['/graphql/', 'a body over the size bound', { 'content-type': 'application/json', 'content-length': '99999999' }, 413, 'REQUEST_ENTITY_TOO_LARGE'],
    ['//graphql', 'a form POST without the CSRF header', { 'content-type': 'application/x-www-form-urlencoded' }, 403, 'CSRF_PREVENTED'],
    ['/graphql/', 'a body that is not JSON', { 'content-type': 'application/json' }, 400, 'BAD_REQUEST'],
  ])('logs and counts a refusal on the path spelling %s too (%s)', async (path, _case, headers, status, outcome) => {
    const response = await harness.app.fetch(`http://gateway.test${path}`, { method: 'POST', headers, body: 'query=%7B__typename%7D' });
    expect(response.status).toBe(status);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines().find((line) => line.requestId === id)).toMatchObject({ status, outcome });
  });

  it('logs a subject and an operation name with control and format characters (a right-to-left override) as U+FFFD', async () => {
    const jwt = await signToken({ scope: 'faceid:selfie', sub: 'user\u202Egnp.exe\u200B' });
    await sendGraphQL(harness.app, compare(IMAGE), { headers: { authorization: `Bearer ${jwt}`, 'x-request-id': 'trace-bidi-1' } });
    expect(requestLines().find((entry) => entry.requestId === 'trace-bidi-1')?.caller).toBe('jwt:user\uFFFDgnp.exe\uFFFD');

    await harness.app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-bidi-2' },
      body: JSON.stringify({ query: '{ __typename }', operationName: 'Op\u202Eeman\u0007' }),
    });
    expect(requestLines().find((entry) => entry.requestId === 'trace-bidi-2')?.operation).toBe('Op\uFFFDeman\uFFFD');
  });

  it('logs no line for the probes: /health, /ready and /metrics', async () => {
    const before = requestLines().length;
    for (const path of ['/health', '/ready', '/metrics']) expect((await harness.app.fetch(`http://gateway.test${path}`)).status).toBe(200);
    expect(requestLines()).toHaveLength(before);
  });

  it('logs the Tencent RequestId of a failed call and the error code', async () => {
    harness.emulator.scriptFault('ApplySdkVerificationToken', { kind: 'tencentError', code: 'FailedOperation.UnKnown' });
    const response = await sendGraphQL(harness.app, EKYC, { headers: { 'x-api-key': API_KEYS.ekycBackend } });
    const requestId = response.body.errors![0]!.extensions!.requestId;
    const line = requestLines().find((entry) => entry.requestId === response.headers.get('x-request-id'));
    expect(line).toMatchObject({ caller: 'key:ekyc-backend', tencentRequestIds: [requestId], status: 502, outcome: 'UPSTREAM_FAILED' });
  });

  it('logs a caller that hangs up mid-call as CLIENT_CLOSED_REQUEST, not as an unexpected error', async () => {
    harness.emulator.scriptFault('ApplySdkVerificationToken', { kind: 'latency', ms: 1500 });
    const url = await harness.listen();
    const leaving = new AbortController();
    const sent = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEYS.ekycBackend, 'x-request-id': 'hang-up-1' },
      body: JSON.stringify(EKYC),
      signal: leaving.signal,
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    leaving.abort();
    expect(await sent).toBeInstanceOf(Error);
    await expect.poll(() => requestLines().find((line) => line.requestId === 'hang-up-1')).toMatchObject({
      caller: 'key:ekyc-backend',
      status: 499,
      outcome: 'CLIENT_CLOSED_REQUEST',
    });
    // The abandoned call finishes upstream after the caller left; that must not read as a bug either.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(harness.log.entries().filter((entry) => entry.level === 50 && entry.component === 'yoga')).toEqual([]);
  });

  it('never logs a secret, an Authorization header, an API key, image bytes or a full SDK token', async () => {
    const jwt = await jwtFor();
    const minted = await sendGraphQL(harness.app, EKYC, { headers: { 'x-api-key': API_KEYS.ekycBackend } });
    sdkTokens.push(minted.body.data!.applyEkycToken.sdkToken);
    await sendGraphQL(harness.app, compare(`${IMAGE}!`), { headers: { authorization: `Bearer ${jwt}` } });
    await sendGraphQL(harness.app, compare(SAMPLE_IMAGE_BASE64), { headers: { authorization: 'Bearer not-a-jwt' } });
    await sendGraphQL(harness.app, EKYC, { headers: { 'x-api-key': 'ak_wrong_key_value_123456' } });

    const log = harness.log.lines.join('\n');
    expect(harness.log.lines.length).toBeGreaterThan(10);
    for (const secret of [jwt, jwt.split('.')[2]!, API_KEYS.ekycBackend, 'ak_wrong_key_value_123456', IMAGE.slice(0, 40), IMAGE.slice(-40), ...sdkTokens]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('metrics, health and readiness', () => {
  it('exposes requests, upstream latency, throttle queue and wait, and rejections on /metrics', async () => {
    const response = await harness.app.fetch('http://gateway.test/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/faceid_gateway_requests_total\{operation="GetSelfieToken",outcome="OK"\} [1-9]/);
    expect(text).toMatch(/faceid_gateway_requests_total\{operation="ApplyEkycToken",outcome="UNAUTHENTICATED"\} 2/);
    expect(text).toMatch(/faceid_gateway_upstream_duration_seconds_count\{action="GetFaceIdTokenIntl",outcome="OK"\} [1-9]/);
    expect(text).toMatch(/faceid_gateway_upstream_duration_seconds_count\{action="ApplySdkVerificationToken",outcome="UPSTREAM_FAILED"\} 1/);
    expect(text).toMatch(/faceid_gateway_throttle_wait_seconds_count\{action="GetFaceIdTokenIntl"\} [1-9]/);
    expect(text).toMatch(/faceid_gateway_throttle_queue_depth\{action="ApplySdkVerificationToken"\} 0/);
    expect(text).toMatch(/faceid_gateway_throttle_busy_callers\{action="ApplySdkVerificationToken"\} 0/);
    expect(text).toMatch(/faceid_gateway_rejections_total\{reason="unauthenticated"\} [1-9]/);
    expect(text).toMatch(/faceid_gateway_rejections_total\{reason="invalid_input"\} 1/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers /health and /ready without spending the Tencent budget', async () => {
    harness.emulator.clearRecords();
    expect((await harness.app.fetch('http://gateway.test/health')).status).toBe(200);
    expect((await harness.app.fetch('http://gateway.test/ready')).status).toBe(200);
    ready = false;
    expect((await harness.app.fetch('http://gateway.test/ready')).status).toBe(503);
    ready = true;
    expect(harness.emulator.requests).toHaveLength(0);
  });
});
