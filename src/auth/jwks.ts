/**
 * The issuer's signing keys (AUTH_JWKS_URL), fetched and cached by jose's remote key set, with what jose leaves to
 * its user: when a fetch fails, jose fetches again for the next token that needs a key, so an identity provider that
 * is down cost one fetch (and up to jose's 5 s timeout) per request, and every caller was told their token was bad.
 *
 * Here a failed fetch starts a back-off, doubling while the fetches keep failing: until it ends, a token that needs
 * the keys is answered UPSTREAM_UNAVAILABLE at once, without a fetch, so neither valid callers nor junk tokens can
 * make the gateway hammer its identity provider. Keys jose already holds keep verifying tokens meanwhile, for as
 * long as jose keeps them (`cacheMaxAge`, ten minutes after the last successful fetch).
 *
 * jose's own periods (`cacheMaxAge`, and `cooldownDuration`: 30 s after a successful fetch before an unknown `kid`
 * may refetch) run on its clock, `Date.now`; the back-off, which is ours, runs on the clock it is given.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { UpstreamUnavailableError } from '../errors.js';

/**
 * Longest wait for the key set. A JWKS is a small static document that identity providers serve from a CDN in tens
 * of milliseconds; one that has not arrived in 2 s is not coming, and the caller waits for it before its Tencent call
 * even starts. jose's own default (5 s) made every request during an outage wait that long.
 * @default 2000
 */
export const JWKS_FETCH_TIMEOUT_MS = 2_000;
/**
 * Wait after a first failed fetch: a blip at the identity provider costs callers at most 5 s of UPSTREAM_UNAVAILABLE,
 * and an identity provider that is down sees one request per 5 s from each gateway process at first.
 */
export const JWKS_RETRY_FIRST_MS = 5_000;
/**
 * Longest wait between fetches while they keep failing: jose's own cooldown between refetches of a healthy key set
 * (30 s), so an outage never makes the gateway ask more often than normal operation may, and a recovered identity
 * provider is noticed within 30 s.
 */
export const JWKS_RETRY_MAX_MS = 30_000;
/**
 * Largest key set read: those of the big identity providers (Google, Microsoft Entra, Auth0, Okta) are a few KB; an
 * answer 100 times that is not a key set, and is not held in memory to find out.
 */
export const MAX_JWKS_BYTES = 256 * 1024;

/** What a caller is told when its token needs keys that cannot be fetched. It names neither the URL nor the token. */
export const JWKS_UNAVAILABLE_MESSAGE =
  "Authentication is temporarily unavailable: the identity provider's signing keys (AUTH_JWKS_URL) could not be fetched. Retry shortly.";

/** When fetches may be made, given the ones that failed: the waiting half of a retry policy, with time passed in. */
export interface FetchBackoff {
  /** Whether a fetch may be made at `now` (ms since the epoch). */
  allows(now: number): boolean;
  /** Records a fetch that failed at `now`: the wait before the next one, and how many have failed in a row. */
  failed(now: number): { retryInMs: number; failures: number };
  /** Records a fetch that succeeded; returns how many had failed in a row before it (0: there was no outage). */
  succeeded(): number;
}

/** A back-off of `firstMs` after one failure, doubling with each failure after it up to `maxMs`; reset by a success. */
export function createFetchBackoff(firstMs: number = JWKS_RETRY_FIRST_MS, maxMs: number = JWKS_RETRY_MAX_MS): FetchBackoff {
  let failures = 0;
  let retryAt = -Infinity;
  return {
    allows: (now) => now >= retryAt,
    failed(now) {
      failures += 1;
      const retryInMs = Math.min(maxMs, firstMs * 2 ** (failures - 1));
      retryAt = now + retryInMs;
      return { retryInMs, failures };
    },
    succeeded() {
      const before = failures;
      failures = 0;
      retryAt = -Infinity;
      return before;
    },
  };
}

/** Options of createRemoteKeys. */
export interface RemoteKeysOptions {
  /** The clock of the back-off, in ms since the epoch. */
  now: () => number;
  /** Where an outage (warn, once per failed fetch, so once per back-off period) and its end (info) are logged. */
  logger?: Pick<Logger, 'warn' | 'info'> | undefined;
  /** @default JWKS_FETCH_TIMEOUT_MS */
  timeoutMs?: number | undefined;
}

/** Why a fetch failed, in words fit for the log: never the URL, the answer's body or a library's message quoting them. */
class KeySetProblem extends Error {
  override readonly name = 'KeySetProblem';
}

/** The URL as logged: without credentials (`origin` omits them) and without the query, which may hold a key. */
function loggableUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof KeySetProblem) return error.message;
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = error instanceof Error && (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return `connection failed (${code})`;
  return 'the request failed';
}

/** The body, read up to `maxBytes`: a larger answer is refused without being held. */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body?.getReader();
  if (!reader) return '';
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    bytes += read.value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw new KeySetProblem(`the answer is over ${maxBytes} bytes`);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** jose's own test of a key set (an object whose `keys` is a list of objects), made here so a failure is ours to count. */
function isKeySet(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

/** The text of a key set the issuer answered, or a KeySetProblem saying what was wrong with the answer. */
async function readKeySet(response: Response): Promise<string> {
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new KeySetProblem(`HTTP ${response.status}`);
  }
  const text = await readBounded(response, MAX_JWKS_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeySetProblem('the answer is not JSON');
  }
  if (!isKeySet(json)) throw new KeySetProblem('the answer is not a JSON Web Key Set');
  return text;
}

/**
 * The issuer's keys for jwtVerify. A token whose key cannot be had because the key set cannot be fetched (now, or
 * recently enough that the back-off holds) fails with UpstreamUnavailableError; every other failure is jose's.
 */
export function createRemoteKeys(url: URL, options: RemoteKeysOptions): JWTVerifyGetKey {
  const { now, logger } = options;
  const timeoutMs = options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS;
  const backoff = createFetchBackoff();
  const jwksUrl = loggableUrl(url);
  let outageSince: number | undefined;

  // jose calls this for every fetch it decides to make (first use, stale keys, an unknown `kid` after its cooldown),
  // and shares one call among the tokens waiting for it. It must answer 200 with a key set, or throw.
  const fetchKeySet: FetchImplementation = async (resource, init) => {
    if (!backoff.allows(now())) throw new UpstreamUnavailableError(JWKS_UNAVAILABLE_MESSAGE);
    let text: string;
    try {
      text = await readKeySet(await fetch(resource, init));
    } catch (error) {
      const failedAt = now();
      outageSince ??= failedAt;
      const { retryInMs, failures } = backoff.failed(failedAt);
      logger?.warn(
        { jwksUrl, reason: describeFetchFailure(error, timeoutMs), failures, retryInMs },
        'JWKS unavailable: the signing keys could not be fetched; tokens that need them are refused with UPSTREAM_UNAVAILABLE until a fetch succeeds',
      );
      throw new UpstreamUnavailableError(JWKS_UNAVAILABLE_MESSAGE, { cause: error });
    }
    const failures = backoff.succeeded();
    if (failures > 0) {
      const recoveredAt = now();
      logger?.info({ jwksUrl, failures, outageMs: recoveredAt - (outageSince ?? recoveredAt) }, 'JWKS fetched again: tokens are verified again');
    }
    outageSince = undefined;
    return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  };

  return createRemoteJWKSet(url, { timeoutDuration: timeoutMs, [customFetch]: fetchKeySet });
}
