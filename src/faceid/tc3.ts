/**
 * TC3-HMAC-SHA256, Tencent Cloud API 3.0 request signing, as pure functions named after the steps of the spec.
 * No clock and no I/O: the timestamp is an argument, so the same inputs always give the same Authorization,
 * and the recorded vectors of the official SDKs can be replayed exactly.
 */
import { createHash, createHmac } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** Only these two headers are signed, in this order, exactly as the official SDKs do. */
export const TC3_SIGNED_HEADERS = 'content-type;host';

/** Everything a signature depends on. */
export interface Tc3SigningInput {
  secretId: string;
  secretKey: string;
  /** Tencent service name, the first label of the endpoint host (`faceid`). */
  service: string;
  /** Host name **without port**: the `Host` header may carry a port, the signature never does. */
  host: string;
  /** The exact `Content-Type` value sent, byte for byte. */
  contentType: string;
  /** The exact body bytes sent (strings are hashed as UTF-8). */
  payload: string | Uint8Array;
  /** `X-TC-Timestamp`, integer seconds since the epoch. */
  timestamp: number;
  /**
   * Every signed header as it enters the canonical request (name lower-case, value canonical), sorted by name, when a
   * client signs more than the two: a verifier's input. @default content-type and host, as above
   */
  signedHeaders?: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Every intermediate value, so a failing vector points at the step that differs. */
export interface Tc3Signature {
  hashedPayload: string;
  canonicalRequest: string;
  hashedCanonicalRequest: string;
  credentialScope: string;
  stringToSign: string;
  kDateHex: string;
  kServiceHex: string;
  kSigningHex: string;
  signature: string;
  authorization: string;
}

/** Lower-case hex SHA-256 of the given bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The UTC calendar date (YYYY-MM-DD) of a timestamp: the credential scope uses UTC, never local or UTC+8. */
export function utcDateOf(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** Step 1: the canonical request of a JSON `POST /` with the two signed headers. */
export function buildCanonicalRequest(contentType: string, host: string, hashedPayload: string): string {
  const canonicalHeaders = `content-type:${contentType}\nhost:${host}\n`;
  return ['POST', '/', '', canonicalHeaders, TC3_SIGNED_HEADERS, hashedPayload].join('\n');
}

/** Step 1 with any signed headers (names lower-case, sorted; values canonical), as Tencent lets a client sign. */
export function buildCanonicalRequestWith(signedHeaders: ReadonlyArray<readonly [name: string, value: string]>, hashedPayload: string): string {
  const canonicalHeaders = signedHeaders.map(([name, value]) => `${name}:${value}\n`).join('');
  return ['POST', '/', '', canonicalHeaders, signedHeaders.map(([name]) => name).join(';'), hashedPayload].join('\n');
}

/** `Date/service/tc3_request`. */
export function buildCredentialScope(date: string, service: string): string {
  return `${date}/${service}/tc3_request`;
}

/** Step 2: the string to sign. */
export function buildStringToSign(timestamp: number, credentialScope: string, hashedCanonicalRequest: string): string {
  return [TC3_ALGORITHM, String(timestamp), credentialScope, hashedCanonicalRequest].join('\n');
}

/** Step 3: the signing key, derived from the secret key through the date and the service. */
export function deriveSigningKey(
  secretKey: string,
  date: string,
  service: string,
): { kDate: Buffer; kService: Buffer; kSigning: Buffer } {
  const kDate = hmac(`TC3${secretKey}`, date);
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, 'tc3_request');
  return { kDate, kService, kSigning };
}

/**
 * The signing key of each UTC date, derived on the first request of the date and kept until the date changes: the
 * key depends only on the secret, the date and the service, so a client signing many requests derives it once a
 * day instead of spending three HMACs on every request.
 */
export function createDailySigningKey(secretKey: string, service: string): (date: string) => Uint8Array {
  let current: { date: string; key: Uint8Array } | undefined;
  return (date) => {
    if (current?.date !== date) current = { date, key: deriveSigningKey(secretKey, date, service).kSigning };
    return current.key;
  };
}

/** Step 4: the `Authorization` header value. */
export function buildAuthorization(secretId: string, credentialScope: string, signature: string): string {
  return `${TC3_ALGORITHM} Credential=${secretId}/${credentialScope}, SignedHeaders=${TC3_SIGNED_HEADERS}, Signature=${signature}`;
}

/**
 * The `Authorization` header alone, from a signing key the caller derived with `deriveSigningKey` for the
 * timestamp's UTC date: the same header as `signTc3(input).authorization`, without deriving the key (three
 * HMACs) or keeping the intermediate steps. The key changes once a day, so a client derives it once a day.
 */
export function authorizationOf(input: Omit<Tc3SigningInput, 'secretKey'>, kSigning: Uint8Array): string {
  const hashedCanonicalRequest = sha256Hex(buildCanonicalRequest(input.contentType, input.host, sha256Hex(input.payload)));
  const credentialScope = buildCredentialScope(utcDateOf(input.timestamp), input.service);
  const stringToSign = buildStringToSign(input.timestamp, credentialScope, hashedCanonicalRequest);
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return buildAuthorization(input.secretId, credentialScope, signature);
}

/** Signs one request and returns the `Authorization` value with every intermediate. */
export function signTc3(input: Tc3SigningInput): Tc3Signature {
  const hashedPayload = sha256Hex(input.payload);
  const canonicalRequest = input.signedHeaders
    ? buildCanonicalRequestWith(input.signedHeaders, hashedPayload)
    : buildCanonicalRequest(input.contentType, input.host, hashedPayload);
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  const date = utcDateOf(input.timestamp);
  const credentialScope = buildCredentialScope(date, input.service);
  const stringToSign = buildStringToSign(input.timestamp, credentialScope, hashedCanonicalRequest);
  const { kDate, kService, kSigning } = deriveSigningKey(input.secretKey, date, input.service);
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return {
    hashedPayload,
    canonicalRequest,
    hashedCanonicalRequest,
    credentialScope,
    stringToSign,
    kDateHex: kDate.toString('hex'),
    kServiceHex: kService.toString('hex'),
    kSigningHex: kSigning.toString('hex'),
    signature,
    authorization: buildAuthorization(input.secretId, credentialScope, signature),
  };
}

/** The parts of a TC3 `Authorization` header, as a verifier needs them. */
export interface Tc3AuthorizationParts {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string;
  signature: string;
}

const AUTHORIZATION_PATTERN =
  /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Parses a TC3 `Authorization` header; `undefined` when it is not one. */
export function parseTc3Authorization(header: string): Tc3AuthorizationParts | undefined {
  const match = AUTHORIZATION_PATTERN.exec(header);
  if (!match) return undefined;
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string];
  return { secretId, date, service, signedHeaders, signature };
}
