import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_KEYS_TRIED_WITHOUT_KID, createAuthenticator } from '../src/auth/authenticate.js';
import { API_KEYS, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, REQUIRED_AUTH, signTimedToken, signToken } from './helpers/credentials.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { EKYC, SELFIE, sendGraphQL } from './helpers/requests.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ app: { authenticate: createAuthenticator(REQUIRED_AUTH) } });
});
afterAll(() => harness.close());
beforeEach(() => harness.emulator.clearRecords());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });


const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The token with the last character of its signature swapped for the one that differs in the lowest bit: the same
 * bytes when decoded (an HS256 signature is 43 characters, whose last carries 2 spare bits), another text.
 */
function respellLastCharacter(token: string): string {
  const last = token[token.length - 1]!;
  const respelled = BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(last) ^ 1]!;
  expect(Buffer.from(token.split('.')[2]!, 'base64url').equals(Buffer.from(`${token.split('.')[2]!.slice(0, -1)}${respelled}`, 'base64url'))).toBe(true);
  return `${token.slice(0, -1)}${respelled}`;
}

describe('authentication', () => {
  it('refuses a mutation without credentials: UNAUTHENTICATED, 401, no upstream call', async () => {
    const response = await sendGraphQL(harness.app, SELFIE);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('answers queries without credentials (they cost no Tencent request)', async () => {
    const response = await sendGraphQL(harness.app, '{ gateway { region } }');
    expect(response.body).toEqual({ data: { gateway: { region: 'ap-singapore' } } });
  });

  it.each([
    ['OAuth "scope" string', { scope: 'openid faceid:selfie' }],
    ['"scp" list', { scp: ['faceid:selfie'] }],
    ['"scp" string', { scp: 'faceid:selfie profile' }],
  ])('mints a selfie token for a JWT whose %s grants faceid:selfie', async (_form, claims) => {
    const response = await sendGraphQL(harness.app, SELFIE, { headers: bearer(await signToken(claims)) });
    expect(response.status).toBe(200);
    expect(response.body.data!.getSelfieToken.sdkToken).toMatch(/^[0-9A-F-]{36}$/);
    expect(harness.emulator.requests).toHaveLength(1);
  });

  it('refuses the eKYC mutation to a JWT with only the selfie scope: FORBIDDEN, 403, no upstream call', async () => {
    const response = await sendGraphQL(harness.app, EKYC, { headers: bearer(await signToken({ scope: 'faceid:selfie' })) });
    expect(response.status).toBe(403);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN', retryable: false });
    expect(response.body.errors![0]!.message).toBe('The caller is not allowed to use this operation: its credentials lack the faceid:ekyc scope.');
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['an expired token', () => signToken({ scope: 'faceid:selfie' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }), 'the token has expired'],
    ['another issuer', () => signToken({ scope: 'faceid:selfie', iss: 'https://evil.test' }), 'the token\'s "iss" claim is not accepted'],
    ['another audience', () => signToken({ scope: 'faceid:selfie', aud: 'someone-else' }), 'the token\'s "aud" claim is not accepted'],
    ['a wrong signature', () => signToken({ scope: 'faceid:selfie' }, { secret: 'another-secret-of-at-least-32-bytes!!' }), 'the token signature does not verify'],
    ['no subject', () => signToken({ scope: 'faceid:selfie', sub: null as unknown as string }), 'the token has no "sub" claim'],
    ['garbage', async () => 'not.a.jwt', 'the token is not a valid JWT'],
    // jose would accept these, each a new text of one valid token, verified and cached on its own.
    ['a valid token with padding after its signature', async () => `${await signToken({ scope: 'faceid:selfie' })}=`, 'the token is not a valid JWT'],
    ['a valid token with padding after its payload', async () => (await signToken({ scope: 'faceid:selfie' })).replace(/\.([^.]+)$/, '=.$1'), 'the token is not a valid JWT'],
    ['a token of four parts', async () => `${await signToken({ scope: 'faceid:selfie' })}.e30`, 'the token is not a valid JWT'],
    ['a valid token whose signature ends in another spelling of the same bytes', async () => respellLastCharacter(await signToken({ scope: 'faceid:selfie' })), 'the token is not a valid JWT'],
  ])('refuses %s with the reason, 401, and no upstream call', async (_case, makeToken, reason) => {
    const response = await sendGraphQL(harness.app, SELFIE, { headers: bearer(await makeToken()) });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe(`Authentication failed: ${reason}.`);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('refuses an Authorization header that is not a Bearer token', async () => {
    const response = await sendGraphQL(harness.app, SELFIE, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe('Authentication failed: the Authorization header must be "Bearer <token>".');
  });

  it('accepts an API key with the eKYC scope for eKYC only', async () => {
    const headers = { 'x-api-key': API_KEYS.ekycBackend };
    const ekyc = await sendGraphQL(harness.app, EKYC, { headers });
    expect(ekyc.body.data!.applyEkycToken.sdkToken).toBeTruthy();
    const selfie = await sendGraphQL(harness.app, SELFIE, { headers });
    expect(selfie.status).toBe(403);
    expect(selfie.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(selfie.body.errors![0]!.message).toContain('lack the faceid:selfie scope');
    expect(harness.emulator.requests).toHaveLength(1);
  });

  it('refuses an unknown API key', async () => {
    const response = await sendGraphQL(harness.app, EKYC, { headers: { 'x-api-key': 'ak_guessed_key' } });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe('Authentication failed: the API key is not recognised.');
    expect(harness.emulator.requests).toHaveLength(0);
  });
});

describe('the client address', () => {
  const request = (headers: Record<string, string>) => new Request('http://gateway.test/graphql', { headers });
  const lookupsFor = async (headers: Record<string, string>, settings = REQUIRED_AUTH) => {
    let lookups = 0;
    const caller = await createAuthenticator(settings)(request(headers), () => {
      lookups += 1;
      return '203.0.113.7';
    });
    return { id: caller.id, lookups };
  };

  it.each<[string, () => Promise<Record<string, string>>, { id: string; lookups: number }]>([
    ['a caller with a verified token', async () => bearer(await signToken({ scope: 'faceid:selfie' })), { id: 'jwt:user-1', lookups: 0 }],
    ['a caller with an API key', async () => ({ 'x-api-key': API_KEYS.ekycBackend }), { id: 'key:ekyc-backend', lookups: 0 }],
    ['a caller without credentials', async () => ({}), { id: 'ip:203.0.113.7', lookups: 1 }],
  ])('is looked up only when it names the caller: %s', async (_case, headersOf, expected) => {
    expect(await lookupsFor(await headersOf())).toEqual(expected);
  });

  it('names every caller of an open gateway', async () => {
    expect(await lookupsFor({}, { mode: 'open' })).toEqual({ id: 'ip:203.0.113.7', lookups: 1 });
  });
});

describe('token lifetime', () => {
  // A fixed clock: every claim below is placed relative to it, so no case depends on when the test runs.
  const NOW = Date.UTC(2030, 0, 1);
  const now = Math.floor(NOW / 1000);
  const DAY = 86_400;
  const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => NOW });
  const outcomeOf = async (claims: Record<string, number>) => {
    const request = new Request('http://gateway.test/graphql', { headers: bearer(await signTimedToken(claims)) });
    try {
      return (await authenticate(request, () => '127.0.0.1')).id;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it.each<[string, Record<string, number>, string]>([
    ['an hour-long token', { iat: now, exp: now + 3600 }, 'jwt:user-1'],
    ['a token of exactly the longest lifetime', { iat: now - 10, exp: now - 10 + DAY }, 'jwt:user-1'],
    ['a token without iat whose exp is within the lifetime from now', { exp: now + DAY }, 'jwt:user-1'],
    ['iat ahead by less than the 30 s tolerance', { iat: now + 29, exp: now + 3600 }, 'jwt:user-1'],
    ['nbf ahead by less than the 30 s tolerance', { nbf: now + 29, iat: now, exp: now + 3600 }, 'jwt:user-1'],
    ['exp passed by less than the 30 s tolerance', { iat: now - 3600, exp: now - 29 }, 'jwt:user-1'],
    ['a token without exp', { iat: now }, 'Authentication failed: the token has no "exp" claim.'],
    [
      'a token that lives longer than a day',
      { iat: now, exp: now + DAY + 1 },
      'Authentication failed: the token\'s "exp" claim is more than 86400 seconds after it was issued (the longest lifetime accepted).',
    ],
    [
      'a token without iat whose exp is further than a day away',
      { exp: now + DAY + 31 },
      'Authentication failed: the token\'s "exp" claim is more than 86400 seconds after it was issued (the longest lifetime accepted).',
    ],
    [
      'a long-lived token with a back-dated iat',
      { iat: now - 365 * DAY, exp: now + 3600 },
      'Authentication failed: the token\'s "exp" claim is more than 86400 seconds after it was issued (the longest lifetime accepted).',
    ],
    ['iat in the future', { iat: now + 31, exp: now + 3600 }, 'Authentication failed: the token\'s "iat" claim is in the future.'],
    ['nbf in the future', { nbf: now + 31, iat: now, exp: now + 3600 }, 'Authentication failed: the token\'s "nbf" claim is in the future.'],
    ['exp passed by more than the tolerance', { iat: now - 3600, exp: now - 31 }, 'Authentication failed: the token has expired.'],
  ])('%s: %s', async (_case, claims, outcome) => {
    expect(await outcomeOf(claims)).toBe(outcome);
  });

  it('takes the longest lifetime and the tolerance from the settings', async () => {
    const jwt = { secret: JWT_SECRET, issuer: JWT_ISSUER, audience: JWT_AUDIENCE, maxLifetimeSeconds: 600, clockToleranceSeconds: 0 };
    const strict = createAuthenticator({ mode: 'required', jwt, apiKeys: [] }, { now: () => NOW });
    const outcome = async (claims: Record<string, number>) => {
      const request = new Request('http://gateway.test/graphql', { headers: bearer(await signTimedToken(claims)) });
      return strict(request, () => '127.0.0.1').then((caller) => caller.id, (error: Error) => error.message);
    };
    expect(await outcome({ iat: now, exp: now + 600 })).toBe('jwt:user-1');
    expect(await outcome({ iat: now, exp: now + 601 })).toMatch(/more than 600 seconds/);
    expect(await outcome({ iat: now + 1, exp: now + 600 })).toBe('Authentication failed: the token\'s "iat" claim is in the future.');
  });

  it('refuses a token without exp through the API: 401, the claim named, the token never echoed', async () => {
    const token = await new SignJWT({ scope: 'faceid:selfie' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setSubject('user-1')
      .setIssuedAt()
      .sign(new TextEncoder().encode(JWT_SECRET));
    const response = await sendGraphQL(harness.app, SELFIE, { headers: bearer(token) });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe('Authentication failed: the token has no "exp" claim.');
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
    expect(response.text).not.toContain(token.split('.')[1]!);
    expect(harness.emulator.requests).toHaveLength(0);
  });
});

describe('authentication with a JWKS URL', () => {
  let jwks: Server;
  let jwksHarness: Harness;
  let sign: (claims: Record<string, unknown>, kid?: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    jwksHarness = await startHarness({
      app: { authenticate: createAuthenticator({ mode: 'required', jwt: { jwksUrl, issuer: JWT_ISSUER, audience: JWT_AUDIENCE }, apiKeys: [] }) },
    });
    sign = (claims, kid = 'key-1') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject('user-9')
        .setExpirationTime('5m')
        .sign(privateKey);
  });
  afterAll(async () => {
    await jwksHarness.close();
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('verifies an RS256 token against the issuer keys', async () => {
    const response = await sendGraphQL(jwksHarness.app, EKYC, { headers: bearer(await sign({ scope: 'faceid:ekyc' })) });
    expect(response.body.data!.applyEkycToken.sdkToken).toBeTruthy();
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const response = await sendGraphQL(jwksHarness.app, EKYC, { headers: bearer(await sign({ scope: 'faceid:ekyc' }, 'key-2')) });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe('Authentication failed: no key of the issuer matches the token.');
  });

  it('refuses an HS256 token made with the public key material as a secret (algorithm confusion)', async () => {
    const forged = await signToken({ scope: 'faceid:ekyc' }, { secret: 'public-key-material-used-as-hmac-secret' });
    const response = await sendGraphQL(jwksHarness.app, EKYC, { headers: bearer(forged) });
    expect(response.status).toBe(401);
  });
});

describe('a JWKS publishing several keys of one algorithm (a rotation), and a token without kid', () => {
  const started: Array<{ harness: Harness; server: Server }> = [];
  afterAll(async () => {
    for (const { harness, server } of started) {
      await harness.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A gateway trusting an issuer that publishes `count` RS256 keys; signs with key `signer` (-1: a key it does not publish). */
  async function issuerWith(count: number) {
    const pairs = await Promise.all(Array.from({ length: count + 1 }, () => generateKeyPair('RS256')));
    const keys = await Promise.all(pairs.slice(0, count).map(async ({ publicKey }, index) => ({ ...(await exportJWK(publicKey)), kid: `key-${index}`, alg: 'RS256', use: 'sig' })));
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const harness = await startHarness({
      app: { authenticate: createAuthenticator({ mode: 'required', jwt: { jwksUrl, issuer: JWT_ISSUER, audience: JWT_AUDIENCE }, apiKeys: [] }) },
    });
    started.push({ harness, server });
    const sign = (signer: number) =>
      new SignJWT({ scope: 'faceid:ekyc' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setSubject('user-9')
        .setExpirationTime('5m')
        .sign(pairs.at(signer)!.privateKey);
    return { harness, sign };
  }

  it('verifies a token signed by any of the published keys', async () => {
    const { harness, sign } = await issuerWith(2);
    for (const signer of [0, 1]) {
      const response = await sendGraphQL(harness.app, EKYC, { headers: bearer(await sign(signer)) });
      expect(response.body.data!.applyEkycToken.sdkToken).toBeTruthy();
    }
  });

  it('refuses a token signed by a key it does not publish, saying the signature does not verify', async () => {
    const { harness, sign } = await issuerWith(2);
    const response = await sendGraphQL(harness.app, EKYC, { headers: bearer(await sign(-1)) });
    expect(response.status).toBe(401);
    expect(response.body.errors![0]!.message).toBe('Authentication failed: the token signature does not verify.');
  });

  it(`tries at most MAX_KEYS_TRIED_WITHOUT_KID keys, so a forged token costs a bounded number of checks`, async () => {
    const { harness, sign } = await issuerWith(MAX_KEYS_TRIED_WITHOUT_KID + 1);
    const within = await sendGraphQL(harness.app, EKYC, { headers: bearer(await sign(MAX_KEYS_TRIED_WITHOUT_KID - 1)) });
    expect(within.body.data!.applyEkycToken.sdkToken).toBeTruthy();
    const beyond = await sendGraphQL(harness.app, EKYC, { headers: bearer(await sign(MAX_KEYS_TRIED_WITHOUT_KID)) });
    expect(beyond.status).toBe(401);
  });
});

describe('an open gateway', () => {
  it('lets anyone use every operation when no authentication is configured', async () => {
    const open = await startHarness();
    try {
      const response = await sendGraphQL(open.app, EKYC);
      expect(response.body.data!.applyEkycToken.sdkToken).toBeTruthy();
    } finally {
      await open.close();
    }
  });
});
