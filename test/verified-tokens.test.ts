/**
 * The cache of verified bearer tokens: bounded in bytes and in age, found only by a token's exact text, and never
 * a way around the time-dependent checks of a token it holds.
 */
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
});
