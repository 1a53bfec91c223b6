/**
 * The cache of verified bearer tokens: bounded in bytes and in age, found only by a token's exact text, and never
 * a way around the time-dependent checks of a token it holds. Also the verifications shared by requests that
 * present one new token together, bounded the same way.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { VERIFIED_TOKEN_TTL_MS, createVerifiedTokenCache } from '../src/auth/verified-tokens.js';
import { REQUIRED_AUTH, signTimedToken } from './helpers/credentials.js';

const NOW = Date.UTC(2030, 0, 1);
const nowSeconds = Math.floor(NOW / 1000);

describe('verified token cache', () => {
  it('holds no more than its byte bound however many distinct tokens verify', () => {
    const cache = createVerifiedTokenCache({ maxBytes: 64 * 1024 });
    for (let index = 0; index < 10_000; index += 1) cache.set(`token-${index}-${'x'.repeat(1000)}`, { sub: String(index) }, NOW);
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.bytes).toBeGreaterThan(32 * 1024);
    // The most recent are kept; the oldest were dropped.
    expect(cache.get(`token-9999-${'x'.repeat(1000)}`, NOW)).toEqual({ sub: '9999' });
    expect(cache.get(`token-0-${'x'.repeat(1000)}`, NOW)).toBeUndefined();
  });

  it.each([
    ['3,500 empty objects', () => ({ sub: 'u', junk: Array.from({ length: 3500 }, () => ({})) })],
    ['3,500 empty arrays', () => ({ sub: 'u', junk: Array.from({ length: 3500 }, () => []) })],
    ['1,000 short keys', () => ({ sub: 'u', ...Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`k${index}`, index])) })],
    ['the usual claims', () => ({ sub: 'user-42', iss: 'https://login.example.com/', aud: 'faceid-gateway', scope: 'faceid:selfie', iat: nowSeconds, exp: nowSeconds + 600 })],
  ])('counts at least the heap its entries hold, for claims of %s', (_case, claims) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const cache = createVerifiedTokenCache({ maxBytes: 1024 * 1024 * 1024 });
    // Decoded from JSON, as the verifier decodes them; each token is distinct text of 14 KiB, as a header allows.
    const json = JSON.stringify(claims());
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let index = 0; index < 200; index += 1) cache.set(`${index}.${'t'.repeat(14 * 1024)}`, JSON.parse(json), NOW);
    gc();
    const held = process.memoryUsage().heapUsed - before;
    expect(cache.bytes).toBeGreaterThanOrEqual(held);
  });

  it('does not keep a token larger than the whole bound', () => {
    const cache = createVerifiedTokenCache({ maxBytes: 4096 });
    cache.set('x'.repeat(4096), { sub: 'big' }, NOW);
    expect(cache.bytes).toBe(0);
  });

  it('forgets a verification once it is as old as the TTL, and one from the future', () => {
    const cache = createVerifiedTokenCache();
    cache.set('a', { sub: 'a' }, NOW);
    expect(cache.get('a', NOW + VERIFIED_TOKEN_TTL_MS - 1)).toEqual({ sub: 'a' });
    expect(cache.get('a', NOW + VERIFIED_TOKEN_TTL_MS)).toBeUndefined();
    cache.set('b', { sub: 'b' }, NOW);
    expect(cache.get('b', NOW - 1)).toBeUndefined();
  });

  it.each([
    ['maxBytes', { maxBytes: 0 }, /maxBytes/],
    ['maxBytes', { maxBytes: 1.5 }, /maxBytes/],
    ['ttlMs', { ttlMs: -1 }, /ttlMs/],
  ])('checks %s eagerly', (_name, options, message) => {
    expect(() => createVerifiedTokenCache(options)).toThrow(message);
  });
});

describe('authentication with verified tokens remembered', () => {
  const request = (token: string) => new Request('http://gateway.test/graphql', { headers: { authorization: `Bearer ${token}` } });
  const outcome = async (authenticate: ReturnType<typeof createAuthenticator>, token: string) => {
    try {
      return (await authenticate(request(token), () => '127.0.0.1')).id;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('refuses a remembered token once its exp has passed, as jose would', async () => {
    let clock = NOW;
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => clock });
    // Both later checks fall within the cache's TTL: the token is remembered, not verified again.
    const token = await signTimedToken({ iat: nowSeconds, exp: nowSeconds + 10 });
    expect(await outcome(authenticate, token)).toBe('jwt:user-1');
    clock = NOW + 39_000; // exp + 29 s: within the 30 s tolerance
    expect(await outcome(authenticate, token)).toBe('jwt:user-1');
    clock = NOW + 40_000; // exp + 30 s
    expect(await outcome(authenticate, token)).toBe('Authentication failed: the token has expired.');
  });

  it('never lets a token with a forged signature ride on a remembered one with the same claims', async () => {
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => NOW });
    const claims = { iat: nowSeconds, exp: nowSeconds + 3600 };
    const good = await signTimedToken(claims);
    expect(await outcome(authenticate, good)).toBe('jwt:user-1');
    const forged = await signTimedToken(claims, 'a-different-secret-of-at-least-32-bytes!');
    expect(forged.split('.').slice(0, 2)).toEqual(good.split('.').slice(0, 2));
    expect(await outcome(authenticate, forged)).toBe('Authentication failed: the token signature does not verify.');
    expect(await outcome(authenticate, good)).toBe('jwt:user-1');
  });

  it('verifies a failed token again on every use rather than remembering it', async () => {
    let clock = NOW;
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => clock });
    // Not yet valid (nbf 60 s ahead): refused now, accepted once the clock reaches it.
    const token = await signTimedToken({ iat: nowSeconds, nbf: nowSeconds + 60, exp: nowSeconds + 3600 });
    expect(await outcome(authenticate, token)).toBe('Authentication failed: the token\'s "nbf" claim is in the future.');
    clock = NOW + 60_000;
    expect(await outcome(authenticate, token)).toBe('jwt:user-1');
  });

  /** Runs `body` counting WebCrypto signature checks: one per HS256 verification jose makes. */
  async function countingVerifications<T>(body: () => Promise<T>): Promise<{ result: T; verifications: number }> {
    const { subtle } = globalThis.crypto;
    const original = subtle.verify;
    let verifications = 0;
    subtle.verify = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['verify']>) {
      verifications += 1;
      return original.apply(this, args);
    };
    try {
      return { result: await body(), verifications };
    } finally {
      subtle.verify = original;
    }
  }

  it('verifies a new token presented by many requests at once only once, and each gets the caller', async () => {
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => NOW });
    const token = await signTimedToken({ iat: nowSeconds, exp: nowSeconds + 3600 });
    const { result, verifications } = await countingVerifications(() => Promise.all(Array.from({ length: 50 }, () => outcome(authenticate, token))));
    expect(result).toEqual(Array.from({ length: 50 }, () => 'jwt:user-1'));
    expect(verifications).toBe(1);
  });

  it('verifies each request on its own past the bound of shared verifications', async () => {
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => NOW, maxPendingVerificationBytes: 0 });
    const token = await signTimedToken({ iat: nowSeconds, exp: nowSeconds + 3600 });
    const { result, verifications } = await countingVerifications(() => Promise.all(Array.from({ length: 10 }, () => outcome(authenticate, token))));
    expect(result).toEqual(Array.from({ length: 10 }, () => 'jwt:user-1'));
    expect(verifications).toBe(10);
  });

  it('shares a failed verification with the requests waiting on it, and verifies the token again afterwards', async () => {
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => NOW });
    const forged = await signTimedToken({ iat: nowSeconds, exp: nowSeconds + 3600 }, 'a-different-secret-of-at-least-32-bytes!');
    const refused = 'Authentication failed: the token signature does not verify.';
    const together = await countingVerifications(() => Promise.all(Array.from({ length: 5 }, () => outcome(authenticate, forged))));
    expect(together).toEqual({ result: Array.from({ length: 5 }, () => refused), verifications: 1 });
    const later = await countingVerifications(() => outcome(authenticate, forged));
    expect(later).toEqual({ result: refused, verifications: 1 });
  });

  it('checks exp at its own time for a request that shares an earlier request\'s verification', async () => {
    let clock = NOW;
    const authenticate = createAuthenticator(REQUIRED_AUTH, { now: () => clock });
    const token = await signTimedToken({ iat: nowSeconds, exp: nowSeconds + 10 });
    // The first request starts the verification at NOW; the second arrives, before it ends, 30 s after exp.
    const first = outcome(authenticate, token);
    clock = NOW + 40_000;
    const second = outcome(authenticate, token);
    expect(await first).toBe('jwt:user-1');
    expect(await second).toBe('Authentication failed: the token has expired.');
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s as maxPendingVerificationBytes, naming it', (maxPendingVerificationBytes) => {
    expect(() => createAuthenticator(REQUIRED_AUTH, { maxPendingVerificationBytes })).toThrow(/maxPendingVerificationBytes/);
  });
});
