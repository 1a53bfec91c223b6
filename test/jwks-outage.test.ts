/**
 * AUTH_JWKS_URL down: a token that needs the issuer's keys is answered UPSTREAM_UNAVAILABLE (503, retryable), not
 * UNAUTHENTICATED; fetches wait out a back-off on the authenticator's clock, so neither valid callers nor junk
 * tokens hammer the identity provider; the outage is logged once per back-off period and its end once.
 *
 * The identity provider is a real HTTP server on 127.0.0.1 that counts its requests and can be switched between
 * healthy, HTTP 500, a body that is not JSON, and no answer at all. The back-off runs on a fake clock.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { JWKS_RETRY_FIRST_MS, JWKS_RETRY_MAX_MS, JWKS_UNAVAILABLE_MESSAGE, MAX_JWKS_BYTES, createFetchBackoff } from '../src/auth/jwks.js';
import { createLogger } from '../src/logger.js';
import { JWT_AUDIENCE, JWT_ISSUER } from './helpers/credentials.js';
import { harnessPerTest, type Harness } from './helpers/harness.js';
import { createMemoryLog, type MemoryLog } from './helpers/memory-log.js';
import { EKYC, sendGraphQL, type SentResponse } from './helpers/requests.js';

type JwksMode = 'healthy' | 'http 500' | 'not JSON' | 'too large' | 'no answer';

/** The identity provider's key set endpoint, switchable between healthy and three kinds of down. */
interface FakeJwks {
  url: string;
  mode: JwksMode;
  /** Requests it has received. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Text the fake puts in its broken answers: no response or log line may repeat it. */
const BODY_MARKER = 'jwks-body-marker';
/** Short, so the "no answer" case costs a fifth of a second of real time; the back-off runs on the fake clock. */
const TEST_JWKS_TIMEOUT_MS = 200;
const START = Date.UTC(2030, 0, 1);

async function startFakeJwks(keys: JWK[], path = '/.well-known/jwks.json'): Promise<FakeJwks> {
  let mode: JwksMode = 'healthy';
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    if (mode === 'healthy') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys }));
    } else if (mode === 'http 500') {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`internal error ${BODY_MARKER}`);
    } else if (mode === 'too large') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys, padding: BODY_MARKER.repeat(MAX_JWKS_BYTES / BODY_MARKER.length) }));
    } else if (mode === 'not JSON') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html>${BODY_MARKER}</html>`);
    }
    // 'no answer': the request is left open until the gateway gives up on it.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    get mode() {
      return mode;
    },
    set mode(value) {
      mode = value;
    },
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let privateKey: CryptoKey;
let otherPrivateKey: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherPrivateKey = (await generateKeyPair('RS256')).privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
});

/** A gateway whose authenticator reads keys from a fake JWKS and runs on a clock the test moves. */
interface Setup {
  jwks: FakeJwks;
  harness: Harness;
  authLog: MemoryLog;
  clock: { now: number };
  /** A valid token issued now (by the fake clock) to `sub`, signed by `key` under `kid`. */
  sign(sub: string, options?: { kid?: string; key?: CryptoKey; expiresInSeconds?: number }): Promise<string>;
  send(token: string, accept?: string): Promise<SentResponse>;
}

const startHarness = harnessPerTest();

async function setUp(options: { jwksUrl?: (url: string) => string } = {}): Promise<Setup> {
  const jwks = await startFakeJwks([publicJwk]);
  const authLog = createMemoryLog();
  const clock = { now: START };
  const authenticate = createAuthenticator(
    { mode: 'required', jwt: { jwksUrl: (options.jwksUrl ?? ((url) => url))(jwks.url), issuer: JWT_ISSUER, audience: JWT_AUDIENCE }, apiKeys: [] },
    { now: () => clock.now, logger: createLogger('debug', authLog.stream), jwksTimeoutMs: TEST_JWKS_TIMEOUT_MS },
  );
  const harness = await startHarness({ app: { authenticate } });
  const closeHarness = harness.close.bind(harness);
  harness.close = async () => {
    await closeHarness();
    await jwks.close();
  };
  return {
    jwks,
    harness,
    authLog,
    clock,
    sign(sub, { kid = 'key-1', key = privateKey, expiresInSeconds = 300 } = {}) {
      const issuedAt = Math.floor(clock.now / 1000);
      return new SignJWT({ scope: 'faceid:ekyc' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject(sub)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + expiresInSeconds)
        .sign(key);
    },
    send(token, accept = 'application/graphql-response+json, application/json') {
      return sendGraphQL(harness.app, EKYC, { headers: { authorization: `Bearer ${token}`, accept } });
    },
  };
}

/** What a caller gets while the keys cannot be fetched. */
const UNAVAILABLE_BODY = { errors: [{ message: JWKS_UNAVAILABLE_MESSAGE, extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } }] };

function unauthenticatedBody(reason: string) {
  return { errors: [{ message: `Authentication failed: ${reason}.`, extensions: { code: 'UNAUTHENTICATED', retryable: false } }] };
}

/** An unsigned junk token an anonymous client can make up, well-formed up to its signature: `{"alg":"RS256"}.{}.<signature>`. */
function junkToken(index: number): string {
  return `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.${Buffer.from(`junk signature ${index}`).toString('base64url')}`;
}

/** The auth log's lines, without what pino adds to every line. */
function logLines(log: MemoryLog): Array<Record<string, unknown>> {
  return log.entries().map(({ time: _time, pid: _pid, hostname: _hostname, service: _service, ...rest }) => rest);
}

describe('when the JWKS endpoint is down', () => {
  it.each<[JwksMode]>([['http 500'], ['not JSON'], ['too large'], ['no answer']])(
    'refuses a valid token with UPSTREAM_UNAVAILABLE, 503, retryable, when the JWKS gives %s',
    async (mode) => {
      const { jwks, send, sign } = await setUp();
      jwks.mode = mode;
      const token = await sign('user-1');
      const response = await send(token);
      expect({ status: response.status, body: response.body }).toEqual({ status: 503, body: UNAVAILABLE_BODY });
      expect(response.headers.get('www-authenticate')).toBeNull();
      for (const secret of [token, new URL(jwks.url).host, BODY_MARKER]) expect(response.text).not.toContain(secret);
    },
  );

  it('answers the same error with status 200 to a client that accepts only application/json', async () => {
    const { jwks, send, sign } = await setUp();
    jwks.mode = 'http 500';
    const response = await send(await sign('user-1'), 'application/json');
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: UNAVAILABLE_BODY });
  });

  it('gives up on a JWKS that does not answer after the fetch timeout, then answers at once during the back-off', async () => {
    const { jwks, send, sign } = await setUp();
    jwks.mode = 'no answer';
    const token = await sign('user-1');
    const first = performance.now();
    expect((await send(token)).status).toBe(503);
    const second = performance.now();
    expect((await send(token)).status).toBe(503);
    const third = performance.now();
    expect(second - first).toBeGreaterThanOrEqual(TEST_JWKS_TIMEOUT_MS - 5);
    expect(second - first).toBeLessThan(TEST_JWKS_TIMEOUT_MS + 1000);
    expect(third - second).toBeLessThan(TEST_JWKS_TIMEOUT_MS);
    expect(jwks.requests).toBe(1);
  });

  it('fetches once per back-off period, doubling up to JWKS_RETRY_MAX_MS, however many valid tokens need the keys', async () => {
    const { jwks, send, sign, clock } = await setUp();
    jwks.mode = 'http 500';
    // [ms after the first request, requests the JWKS has received once 300 requests were answered at that time]
    const schedule: Array<[number, number]> = [
      [0, 1],
      [JWKS_RETRY_FIRST_MS - 1, 1],
      [JWKS_RETRY_FIRST_MS, 2],
      [3 * JWKS_RETRY_FIRST_MS - 1, 2],
      [3 * JWKS_RETRY_FIRST_MS, 3],
      [7 * JWKS_RETRY_FIRST_MS - 1, 3],
      [7 * JWKS_RETRY_FIRST_MS, 4],
      [7 * JWKS_RETRY_FIRST_MS + JWKS_RETRY_MAX_MS - 1, 4],
      [7 * JWKS_RETRY_FIRST_MS + JWKS_RETRY_MAX_MS, 5],
      [7 * JWKS_RETRY_FIRST_MS + 2 * JWKS_RETRY_MAX_MS, 6],
    ];
    const observed: Array<[number, number]> = [];
    const statuses = new Set<number>();
    for (const [at] of schedule) {
      clock.now = START + at;
      const token = await sign(`user-${at}`);
      for (let index = 0; index < 300; index += 1) statuses.add((await send(token)).status);
      observed.push([at, jwks.requests]);
    }
    expect(observed).toEqual(schedule);
    expect([...statuses]).toEqual([503]);
  });

  it.each<[JwksMode]>([['http 500'], ['not JSON']])(
    'lets an anonymous client sending 300 junk tokens make one fetch per back-off period (JWKS gives %s)',
    async (mode) => {
      const { jwks, send, clock } = await setUp();
      jwks.mode = mode;
      const bodies = new Set<string>();
      for (let index = 0; index < 300; index += 1) bodies.add(JSON.stringify((await send(junkToken(index))).body));
      expect(jwks.requests).toBe(1);
      clock.now = START + JWKS_RETRY_FIRST_MS;
      for (let index = 300; index < 600; index += 1) bodies.add(JSON.stringify((await send(junkToken(index))).body));
      expect(jwks.requests).toBe(2);
      expect([...bodies].map((body) => JSON.parse(body))).toEqual([UNAVAILABLE_BODY]);
    },
  );

  it('keeps verifying tokens whose key it already holds, without a fetch', async () => {
    const { jwks, send, sign } = await setUp();
    expect((await send(await sign('user-before'))).status).toBe(200);
    jwks.mode = 'http 500';
    const during = await send(await sign('user-during'));
    expect({ status: during.status, errors: during.body.errors }).toEqual({ status: 200, errors: undefined });
    expect(jwks.requests).toBe(1);
  });

  it('verifies tokens again from the first successful fetch after the back-off', async () => {
    const { jwks, send, sign, clock } = await setUp();
    jwks.mode = 'http 500';
    expect((await send(await sign('user-1'))).status).toBe(503);
    jwks.mode = 'healthy';
    clock.now = START + JWKS_RETRY_FIRST_MS - 1;
    expect((await send(await sign('user-2'))).status).toBe(503);
    expect(jwks.requests).toBe(1);
    clock.now = START + JWKS_RETRY_FIRST_MS;
    expect((await send(await sign('user-3'))).status).toBe(200);
    expect(jwks.requests).toBe(2);
  });

  it('logs the outage at warn once per failed fetch and its end at info, without the query or any token', async () => {
    const { jwks, send, sign, clock, authLog } = await setUp({ jwksUrl: (url) => `${url}?client_secret=query-secret` });
    jwks.mode = 'http 500';
    const tokens: string[] = [];
    for (const at of [0, 1000, JWKS_RETRY_FIRST_MS, JWKS_RETRY_FIRST_MS + 1000]) {
      clock.now = START + at;
      tokens.push(await sign(`user-${at}`));
      for (let index = 0; index < 20; index += 1) await send(tokens.at(-1)!);
    }
    jwks.mode = 'not JSON';
    clock.now = START + 3 * JWKS_RETRY_FIRST_MS;
    await send(await sign('user-not-json'));
    jwks.mode = 'healthy';
    clock.now = START + 7 * JWKS_RETRY_FIRST_MS;
    tokens.push(await sign('user-after'));
    expect((await send(tokens.at(-1)!)).status).toBe(200);

    const warn = 'JWKS unavailable: the signing keys could not be fetched; tokens that need them are refused with UPSTREAM_UNAVAILABLE until a fetch succeeds';
    const jwksUrl = jwks.url;
    expect(logLines(authLog)).toEqual([
      { level: 40, jwksUrl, reason: 'HTTP 500', failures: 1, retryInMs: JWKS_RETRY_FIRST_MS, msg: warn },
      { level: 40, jwksUrl, reason: 'HTTP 500', failures: 2, retryInMs: 2 * JWKS_RETRY_FIRST_MS, msg: warn },
      { level: 40, jwksUrl, reason: 'the answer is not JSON', failures: 3, retryInMs: 4 * JWKS_RETRY_FIRST_MS, msg: warn },
      { level: 30, jwksUrl, failures: 3, outageMs: 7 * JWKS_RETRY_FIRST_MS, msg: 'JWKS fetched again: tokens are verified again' },
    ]);
    for (const secret of ['query-secret', BODY_MARKER, ...tokens]) expect(authLog.lines.join('\n')).not.toContain(secret);
  });

  it.each<[string, JwksMode, string]>([
    ['a JWKS that does not answer', 'no answer', `no answer within ${TEST_JWKS_TIMEOUT_MS} ms`],
    ['a JWKS over MAX_JWKS_BYTES', 'too large', `the answer is over ${MAX_JWKS_BYTES} bytes`],
    ['a JWKS URL with credentials, which fetch refuses', 'healthy', 'the request failed'],
  ])('logs %s with its reason, without the URL\'s credentials', async (name, mode, reason) => {
    const withCredentials = name.includes('credentials');
    const { jwks, send, sign, authLog } = await setUp({
      jwksUrl: (url) => (withCredentials ? url.replace('http://', 'http://operator:hunter2@') : url),
    });
    jwks.mode = mode;
    expect((await send(await sign('user-1'))).status).toBe(503);
    expect(logLines(authLog)).toEqual([
      { level: 40, jwksUrl: jwks.url, reason, failures: 1, retryInMs: JWKS_RETRY_FIRST_MS, msg: expect.stringMatching(/^JWKS unavailable: /) },
    ]);
    expect(authLog.lines.join('\n')).not.toContain('hunter2');
  });
});

describe('when the JWKS endpoint is healthy', () => {
  it.each<[string, (setup: Setup) => Promise<string>, string]>([
    ['a token signed by a key the issuer does not publish', (setup) => setup.sign('user-1', { key: otherPrivateKey }), 'the token signature does not verify'],
    ['a token whose kid the refetched key set does not hold', (setup) => setup.sign('user-1', { kid: 'key-2' }), 'no key of the issuer matches the token'],
    ['an expired token', (setup) => setup.sign('user-1', { expiresInSeconds: -60 }), 'the token has expired'],
    ['an unsigned junk token', async () => junkToken(0), 'the token signature does not verify'],
  ])('still refuses %s with UNAUTHENTICATED', async (_name, makeToken, reason) => {
    const setup = await setUp();
    const response = await setup.send(await makeToken(setup));
    expect({ status: response.status, body: response.body }).toEqual({ status: 401, body: unauthenticatedBody(reason) });
    expect(setup.jwks.requests).toBe(1);
  });
});

describe('the JWKS fetch back-off', () => {
  it('waits JWKS_RETRY_FIRST_MS after a failure, doubling up to JWKS_RETRY_MAX_MS, and starts over after a success', () => {
    const backoff = createFetchBackoff();
    const waits = [0, 1, 2, 3, 4].map((failure) => backoff.failed(START + failure).retryInMs);
    expect(waits).toEqual([5_000, 10_000, 20_000, 30_000, 30_000]);
    expect([backoff.allows(START + 4 + 30_000 - 1), backoff.allows(START + 4 + 30_000)]).toEqual([false, true]);
    expect(backoff.succeeded()).toBe(5);
    expect([backoff.allows(START), backoff.failed(START)]).toEqual([true, { retryInMs: 5_000, failures: 1 }]);
  });
});

describe('the JWKS options', () => {
  it.each([[0], [1.5], [-1], [Number.NaN]])('refuses jwksTimeoutMs %s up front, naming the option', (jwksTimeoutMs) => {
    const settings = { mode: 'required', jwt: { jwksUrl: 'https://issuer.test/jwks.json', issuer: JWT_ISSUER, audience: JWT_AUDIENCE }, apiKeys: [] } as const;
    expect(() => createAuthenticator(settings, { jwksTimeoutMs })).toThrow(new TypeError(`Expected \`jwksTimeoutMs\` to be a whole number > 0, got ${jwksTimeoutMs}`));
  });
});
