import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_PAIR,
  ekycTokenRequest,
  selfieTokenRequest,
  startHarness,
  type GraphQLRequest,
  type Harness,
} from './helpers/harness.js';

const SESSION_TOKEN = 'sts-token-MUST-NOT-LEAK-0123456789';
/** A distinctive valid base64 "image": any 24-character run of it in a log or response is a leak. */
const IMAGE = Buffer.from('selfie-bytes-that-must-never-leak-'.repeat(40)).toString('base64');

let harness: Harness;
const responses: string[] = [];

beforeAll(async () => {
  harness = await startHarness({
    emulator: { keyPairs: [{ ...TEST_KEY_PAIR, sessionToken: SESSION_TOKEN }] },
    client: { credentials: { ...TEST_KEY_PAIR, sessionToken: SESSION_TOKEN }, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } },
  });
  const { emulator, graphql } = harness;
  const selfie = selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: IMAGE, extra: 'customer-7' });
  const ekyc = ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', compareImage: `data:image/jpeg;base64,${IMAGE}` });
  const run = async (request: GraphQLRequest) => responses.push((await graphql(request)).text);

  await run(selfie);
  await run(ekyc);
  for (const code of ['AuthFailure.SignatureFailure', 'InvalidParameterValue', 'InternalError', 'FailedOperation.UnKnown']) {
    emulator.scriptFault('GetFaceIdTokenIntl', { kind: 'tencentError', code, message: `Rejected: ${IMAGE}` }, { times: 2 });
    await run(selfie);
  }
  emulator.scriptFault('ApplySdkVerificationToken', { kind: 'reset' }, { times: 2 });
  await run(ekyc);
  emulator.scriptFault('ApplySdkVerificationToken', { kind: 'httpStatus', status: 502 }, { times: 2 });
  await run(ekyc);
  await run(selfieTokenRequest({ checkMode: 'LIVENESS', image: IMAGE }));
  await run(selfieTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE', image: `${IMAGE}!` }));
});
afterAll(() => harness.close());

describe('secrets and images stay out of logs and responses', () => {
  it('exercised successes and every failure class, with the log at debug level', () => {
    expect(responses).toHaveLength(10);
    expect(responses.filter((text) => text.includes('"sdkToken"'))).toHaveLength(2);
    expect(harness.emulator.requests.length).toBeGreaterThanOrEqual(10);
    expect(harness.log.lines.length).toBeGreaterThan(20);
  });

  it.each([
    ['the secret key', () => [TEST_KEY_PAIR.secretKey]],
    ['the secret id', () => [TEST_KEY_PAIR.secretId]],
    ['the session token', () => [SESSION_TOKEN]],
    ['any Authorization value or signature', () => harness.emulator.requests.flatMap((request) => [request.headers.authorization!, request.headers.authorization!.slice(-64)])],
    ['any image bytes', () => [IMAGE.slice(0, 24), IMAGE.slice(400, 424), IMAGE.slice(-24)]],
  ])('never shows %s', (_name, secrets) => {
    const haystacks = [...harness.log.lines, ...responses];
    for (const secret of secrets()) {
      expect(secret.length).toBeGreaterThanOrEqual(20);
      for (const haystack of haystacks) expect(haystack).not.toContain(secret);
    }
  });
});
