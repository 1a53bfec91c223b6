/**
 * Who is calling: a Bearer JWT (HS256 shared secret, or keys from a JWKS URL, with issuer and audience checks),
 * an API key (compared by SHA-256 hash; the configuration never holds a key in clear), or nobody.
 *
 * Credentials that are presented but wrong are refused outright (UNAUTHENTICATED, 401) with the reason; a Bearer
 * token that cannot be checked because the issuer's keys cannot be fetched is UPSTREAM_UNAVAILABLE (503); absent
 * credentials make an unauthenticated caller, whom the schema's scope checks then refuse where a scope is needed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { refusal, toGraphQLError, UpstreamUnavailableError } from '../errors.js';
import type { Caller } from '../context.js';
import { SCOPES } from '../schema/builder.js';
import { createVerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-tokens.js';
import { createRemoteKeys } from './jwks.js';

/** A JWS in compact serialization: three base64url parts without padding, separated by dots. */
const JWS_COMPACT_FORM = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The characters that may end a canonical base64url part, by the part's length modulo 4: after two characters of a
 * group the last one carries 4 spare bits, after three 2, and canonically those bits are zero; a single character
 * cannot end a part. Decoders ignore the spare bits, so the last character of each part had 4 or 16 spellings that
 * decode alike: variants of one token, each verified and remembered on its own.
 */
const CANONICAL_LAST_CHARACTERS: ReadonlyArray<string | undefined> = [undefined, '', 'AQgw', 'AEIMQUYcgkosw048'];

/** Whether `token` is a JWS in compact form whose three parts are canonical base64url (one token, one text). */
function isCompactJws(token: string): boolean {
  if (!JWS_COMPACT_FORM.test(token)) return false;
  return token.split('.').every((part) => {
    const allowed = CANONICAL_LAST_CHARACTERS[part.length % 4];
    return allowed === undefined || allowed.includes(part[part.length - 1]!);
  });
}

/** Every scope the gateway knows. */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

/** A server-to-server caller's key, as configured: its name, the SHA-256 of the key (hex), and its scopes. */
export interface ApiKeyEntry {
  name: string;
  sha256: string;
  scopes: readonly string[];
}

/** JWT verification settings; exactly one of `secret` and `jwksUrl`. */
export interface JwtSettings {
  /** HS256 shared secret. */
  secret?: string | undefined;
  /** URL of the issuer's JSON Web Key Set (RS256, ES256, PS256, EdDSA keys). */
  jwksUrl?: string | undefined;
  issuer: string;
  audience: string;
  /** Longest accepted lifetime: `exp - iat`, and `exp - now` for a token without `iat`. @default 86400 */
  maxLifetimeSeconds?: number | undefined;
  /** Clock skew allowed on `exp`, `nbf`, `iat` and the lifetime. @default 30 */
  clockToleranceSeconds?: number | undefined;
}

/**
 * A day: long enough for a session token that a backend refreshes, short enough that a leaked token is not a
 * permanent key. Issuers minting longer-lived tokens must raise AUTH_JWT_MAX_LIFETIME_SECONDS on purpose.
 */
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 86_400;
/** Clock skew tolerated between the issuer and the gateway: NTP-synchronised hosts are well within it. */
export const DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Bytes of token text whose verification is under way and shared with later requests presenting the same token:
 * 1 MiB is two thousand usual tokens at once, or 64 of the largest a header can carry. A verification takes a
 * millisecond or two, so the bound is reached only by a flood of distinct tokens, which then verify one by one.
 * @default 1 MiB
 */
export const MAX_PENDING_VERIFICATION_BYTES = 1024 * 1024;

/** What the authenticator takes from its caller besides the settings. */
export interface AuthenticatorOptions {
  /** The clock tokens are checked against, in ms since the epoch. @default Date.now */
  now?: () => number;
  /** Bounds of the cache of verified tokens. @default VERIFIED_TOKEN_CACHE_BYTES, VERIFIED_TOKEN_TTL_MS */
  verifiedTokens?: VerifiedTokenCacheOptions;
  /** Bytes of token text whose verifications may be under way and shared at once. @default MAX_PENDING_VERIFICATION_BYTES */
  maxPendingVerificationBytes?: number;
  /** Where an AUTH_JWKS_URL outage (warn, once per back-off period) and its end (info) are logged. @default nowhere */
  logger?: Pick<Logger, 'warn' | 'info'> | undefined;
  /** Longest wait for the key set at AUTH_JWKS_URL. @default JWKS_FETCH_TIMEOUT_MS */
  jwksTimeoutMs?: number | undefined;
}

/** How callers are authenticated. `open` lets anyone use every operation. */
export type AuthSettings = { mode: 'open' } | { mode: 'required'; jwt: JwtSettings | undefined; apiKeys: readonly ApiKeyEntry[] };

/** Header carrying an API key. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * Turns a request into a Caller, or throws UNAUTHENTICATED for credentials that do not verify. `clientAddress` is
 * asked only when the address names the caller (no credentials, or an open gateway): finding it costs a system
 * call for the socket's peer and a walk of X-Forwarded-For, which a caller with a token or key does not need.
 */
export type Authenticate = (request: Request, clientAddress: () => string) => Promise<Caller>;

function unauthenticated(reason: string): GraphQLError {
  return refusal('UNAUTHENTICATED', `Authentication failed: ${reason}.`, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/** The SHA-256 (hex) of an API key: what AUTH_API_KEYS stores. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Scopes of a JWT: OAuth's space-separated `scope`, or `scp` as a string or a list (Azure AD, Okta). */
function scopesOfToken(payload: JWTPayload): Set<string> {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(list.filter((scope): scope is string => typeof scope === 'string' && scope !== ''));
}

/**
 * Keys of the issuer's set tried for a token without `kid` when several match its algorithm: a rotation publishes two
 * or three; more would let a forged token cost that many signature checks.
 */
export const MAX_KEYS_TRIED_WITHOUT_KID = 4;

function describeJwtFailure(error: unknown): string {
  // Reasons name the claim and never echo the token or a claim's value.
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no "${error.claim}" claim`;
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'the token\'s "nbf" claim is in the future';
    return `the token's "${error.claim}" claim is not accepted`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid) return 'the token is not a valid JWT';
  return 'the token could not be verified';
}

/**
 * What jose leaves to the gateway: `iat` in the future (jose checks it only with `maxTokenAge`, which would make
 * `iat` mandatory) and a lifetime over the maximum, measured from `iat` and, for a token without one, from now.
 */
function lifetimeProblem(payload: JWTPayload, nowSeconds: number, maxLifetimeSeconds: number, toleranceSeconds: number): string | undefined {
  const { exp, iat } = payload;
  if (exp === undefined) return 'the token has no "exp" claim';
  if (iat !== undefined && iat > nowSeconds + toleranceSeconds) return 'the token\'s "iat" claim is in the future';
  if ((iat !== undefined && exp - iat > maxLifetimeSeconds) || exp - nowSeconds > maxLifetimeSeconds + toleranceSeconds) {
    return `the token's "exp" claim is more than ${maxLifetimeSeconds} seconds after it was issued (the longest lifetime accepted)`;
  }
  return undefined;
}

/** Creates the authenticator for the configured settings. */
export function createAuthenticator(settings: AuthSettings, authenticatorOptions: AuthenticatorOptions = {}): Authenticate {
  const now = authenticatorOptions.now ?? Date.now;
  const maxPendingVerificationBytes = authenticatorOptions.maxPendingVerificationBytes ?? MAX_PENDING_VERIFICATION_BYTES;
  if (!Number.isSafeInteger(maxPendingVerificationBytes) || maxPendingVerificationBytes < 0) {
    throw new TypeError(`Expected \`maxPendingVerificationBytes\` to be a whole number >= 0, got ${maxPendingVerificationBytes}`);
  }
  const { jwksTimeoutMs } = authenticatorOptions;
  if (jwksTimeoutMs !== undefined && (!Number.isSafeInteger(jwksTimeoutMs) || jwksTimeoutMs <= 0)) {
    throw new TypeError(`Expected \`jwksTimeoutMs\` to be a whole number > 0, got ${jwksTimeoutMs}`);
  }
  if (settings.mode === 'open') {
    const everything = new Set(ALL_SCOPES);
    return async (_request, clientAddress) => ({ id: `ip:${clientAddress()}`, authenticated: false, scopes: everything });
  }

  const { jwt, apiKeys } = settings;
  let verifyJwt: ((token: string, currentDate: Date) => Promise<JWTPayload>) | undefined;
  const maxLifetimeSeconds = jwt?.maxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS;
  const clockTolerance = jwt?.clockToleranceSeconds ?? DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS;
  if (jwt) {
    // `exp` is required: a token without one would be a credential that never expires once leaked.
    const options = { issuer: jwt.issuer, audience: jwt.audience, clockTolerance, requiredClaims: ['exp', 'sub'] };
    if (jwt.secret !== undefined) {
      // Imported once, on first use: given the raw secret, jose would import it again for every verification.
      const raw = new TextEncoder().encode(jwt.secret);
      let key: Promise<CryptoKey> | undefined;
      verifyJwt = async (token, currentDate) => {
        key ??= crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
        return (await jwtVerify(token, await key, { ...options, currentDate, algorithms: ['HS256'] })).payload;
      };
    } else if (jwt.jwksUrl !== undefined) {
      // Keys are fetched on first use and cached; an unknown `kid` triggers one refetch (key rotation); a failed
      // fetch makes the next ones wait out a back-off (jwks.ts).
      const keys: JWTVerifyGetKey = createRemoteKeys(new URL(jwt.jwksUrl), {
        now,
        logger: authenticatorOptions.logger,
        timeoutMs: jwksTimeoutMs,
      });
      const verifyOptions = { ...options, algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] };
      verifyJwt = async (token, currentDate) => {
        try {
          return (await jwtVerify(token, keys, { ...verifyOptions, currentDate })).payload;
        } catch (error) {
          // A token without `kid` while the issuer publishes several keys of its algorithm (during a rotation):
          // each is tried, as jose documents, up to MAX_KEYS_TRIED_WITHOUT_KID, so a forged token costs a bounded
          // number of signature checks.
          if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
          let tried = 0;
          for await (const key of error) {
            if (++tried > MAX_KEYS_TRIED_WITHOUT_KID) break;
            try {
              return (await jwtVerify(token, key, { ...verifyOptions, currentDate })).payload;
            } catch (keyError) {
              if (!(keyError instanceof joseErrors.JWSSignatureVerificationFailed)) throw keyError;
            }
          }
          throw new joseErrors.JWSSignatureVerificationFailed();
        }
      };
    }
  }
  const keysByHash = new Map(apiKeys.map((entry) => [entry.sha256.toLowerCase(), entry]));
  const verifiedTokens = createVerifiedTokenCache(authenticatorOptions.verifiedTokens);

  /** Verifications under way, by token text: requests arriving together with one new token share one. */
  const pendingVerifications = new Map<string, Promise<JWTPayload>>();
  let pendingTokenBytes = 0;

  /**
   * `exp` and `nbf` checked as jose checks them, at `checkedAt`: for a token verified earlier (a cached one) or at
   * another request's time (a shared verification).
   */
  function checkTimes(payload: JWTPayload, checkedAt: number): JWTPayload {
    const nowSeconds = Math.floor(checkedAt / 1000);
    if (typeof payload.exp === 'number' && payload.exp <= nowSeconds - clockTolerance) throw unauthenticated('the token has expired');
    if (typeof payload.nbf === 'number' && payload.nbf > nowSeconds + clockTolerance) throw unauthenticated('the token\'s "nbf" claim is in the future');
    return payload;
  }

  /**
   * The claims of a token that verifies at `checkedAt`. A cached token's signature, issuer and audience are known
   * good; its `exp` and `nbf` are checked again here as jose checks them, and the lifetime by the caller.
   */
  async function verifiedClaims(
    verify: (token: string, currentDate: Date) => Promise<JWTPayload>,
    token: string,
    checkedAt: number,
  ): Promise<JWTPayload> {
    const cached = verifiedTokens.get(token, checkedAt);
    if (cached) return checkTimes(cached, checkedAt);
    let verification = pendingVerifications.get(token);
    const shared = verification !== undefined;
    if (!verification) {
      verification = verify(token, new Date(checkedAt)).then((payload) => {
        verifiedTokens.set(token, payload, checkedAt);
        return payload;
      });
      // Bounded in bytes like every map keyed by client input; past the bound a request verifies on its own.
      if (pendingTokenBytes + token.length <= maxPendingVerificationBytes) {
        pendingVerifications.set(token, verification);
        pendingTokenBytes += token.length;
        const settled = () => {
          pendingVerifications.delete(token);
          pendingTokenBytes -= token.length;
        };
        verification.then(settled, settled);
      }
    }
    let payload: JWTPayload;
    try {
      payload = await verification;
    } catch (error) {
      // The issuer's keys could not be fetched: the token was not checked, so it is not called bad, and a retry helps.
      if (error instanceof UpstreamUnavailableError) throw toGraphQLError(error);
      throw unauthenticated(describeJwtFailure(error));
    }
    return shared ? checkTimes(payload, checkedAt) : payload;
  }

  function findApiKey(key: string): ApiKeyEntry | undefined {
    const hash = hashApiKey(key);
    // The map lookup is by hash, so timing reveals nothing about any configured key; compare once more in
    // constant time to stay explicit about it.
    const entry = keysByHash.get(hash);
    return entry && timingSafeEqual(Buffer.from(entry.sha256.toLowerCase()), Buffer.from(hash)) ? entry : undefined;
  }

  return async (request, clientAddress) => {
    const authorization = request.headers.get('authorization');
    const apiKey = request.headers.get(API_KEY_HEADER);
    if (authorization !== null) {
      const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
      if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
        throw unauthenticated('the Authorization header must be "Bearer <token>"');
      }
      if (!verifyJwt) throw unauthenticated('this gateway does not accept Bearer tokens; use an API key');
      // jose decodes base64url leniently (padding, stray characters, spare bits): held to the canonical compact form
      // here, one token has one text, so a holder cannot mint variants of it that are verified and cached one by one.
      if (!isCompactJws(token)) throw unauthenticated('the token is not a valid JWT');
      const checkedAt = now();
      const payload = await verifiedClaims(verifyJwt, token, checkedAt);
      const problem = lifetimeProblem(payload, Math.floor(checkedAt / 1000), maxLifetimeSeconds, clockTolerance);
      if (problem) throw unauthenticated(problem);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('the token has no "sub" claim');
      return { id: `jwt:${payload.sub}`, authenticated: true, scopes: scopesOfToken(payload) };
    }
    if (apiKey !== null) {
      const entry = findApiKey(apiKey.trim());
      if (!entry) throw unauthenticated('the API key is not recognised');
      return { id: `key:${entry.name}`, authenticated: true, scopes: new Set(entry.scopes) };
    }
    return { id: `ip:${clientAddress()}`, authenticated: false, scopes: new Set() };
  };
}
