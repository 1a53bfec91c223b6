/**
 * Bearer tokens whose signature and claims verified, by their exact text, so a caller presenting the same token
 * again is not verified again. A frontend sends one token for its whole lifetime, and each verification is a
 * WebCrypto call (HS256 runs on libuv's thread pool): on a token mint it was the largest single cost of the request.
 *
 * Safe by construction: an entry is found only by the token's exact bytes, so nothing unsigned can match one; only
 * tokens that verified are kept (a forged or garbled token costs a verification every time, as before); and the
 * time-dependent checks (`exp`, `nbf`, lifetime) are made again on every use by the caller of this cache.
 */
import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';

/**
 * Bytes of tokens and claims kept at most (entryBytes): about 2,500 callers' tokens of the usual 500 bytes and
 * eight claims, fewer of larger ones. Past it the least recently used are dropped and simply verified again.
 * @default 4 MiB
 */
export const VERIFIED_TOKEN_CACHE_BYTES = 4 * 1024 * 1024;
/**
 * How long a verification is trusted: a JWKS key withdrawn by the issuer stops working for cached tokens within a
 * minute (jose itself keeps fetched keys for ten).
 * @default 60000
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Room counted per entry besides the token and its claims: the cache's own bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 512;
/**
 * Heap counted per value of the decoded claims (object, array, number, string or boolean), besides a string's own
 * characters: an empty object takes about 56 bytes, and costs the token only four characters (`{},` in base64url).
 * Charging the token's length alone undercounted a token of 3,500 empty objects sevenfold.
 */
const BYTES_PER_CLAIM_VALUE = 64;

/** What an entry holds on the heap, at most: the token's text, its decoded claims, and the entry itself. */
export function entryBytes(token: string, payload: JWTPayload): number {
  let bytes = token.length + ENTRY_OVERHEAD_BYTES;
  // Iterative: a token of 16 KiB can nest thousands of levels.
  const pending: unknown[] = [payload];
  while (pending.length > 0) {
    const value = pending.pop();
    bytes += BYTES_PER_CLAIM_VALUE;
    if (typeof value === 'string') bytes += 2 * value.length;
    else if (Array.isArray(value)) pending.push(...value);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        bytes += 2 * key.length;
        pending.push(item);
      }
    }
  }
  return bytes;
}

/** Options of createVerifiedTokenCache. */
export interface VerifiedTokenCacheOptions {
  /** @default VERIFIED_TOKEN_CACHE_BYTES */
  maxBytes?: number | undefined;
  /** @default VERIFIED_TOKEN_TTL_MS */
  ttlMs?: number | undefined;
}

/** Verified tokens' claims, bounded in bytes and in age. */
export interface VerifiedTokenCache {
  /** The claims of `token` if it verified within the TTL before `now` (ms since the epoch). */
  get(token: string, now: number): JWTPayload | undefined;
  /** Records that `token` verified at `now` with these claims. */
  set(token: string, payload: JWTPayload, now: number): void;
  /** Bytes counted against the bound. */
  readonly bytes: number;
}

/** Creates an empty cache of verified tokens. */
export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions = {}): VerifiedTokenCache {
  const maxBytes = options.maxBytes ?? VERIFIED_TOKEN_CACHE_BYTES;
  const ttlMs = options.ttlMs ?? VERIFIED_TOKEN_TTL_MS;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError(`Expected \`maxBytes\` to be a positive whole number, got ${maxBytes}`);
  if (!(ttlMs >= 0)) throw new TypeError(`Expected \`ttlMs\` to be >= 0, got ${ttlMs}`);
  // Time is the caller's (an injected clock in tests), so the age is checked here rather than by lru-cache's timer.
  const entries = new LRUCache<string, { payload: JWTPayload; verifiedAt: number; bytes: number }>({
    maxSize: maxBytes,
    sizeCalculation: (entry) => entry.bytes,
  });
  return {
    get(token, now) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now - entry.verifiedAt >= ttlMs || now < entry.verifiedAt) {
        entries.delete(token);
        return undefined;
      }
      return entry.payload;
    },
    set(token, payload, now) {
      const bytes = entryBytes(token, payload);
      // Larger than the whole bound: lru-cache would refuse it anyway; say so explicitly.
      if (bytes > maxBytes) return;
      entries.set(token, { payload, verifiedAt: now, bytes });
    },
    get bytes() {
      return entries.calculatedSize;
    },
  };
}
