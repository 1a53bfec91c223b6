/**
 * TC3-HMAC-SHA256 verification, as Tencent's API front door performs it: parse the Authorization header, check the
 * timestamp window, find the key, recompute the signature with the shared signer and compare in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseTc3Authorization, signTc3, TC3_SIGNED_HEADERS, utcDateOf } from '../faceid/tc3.js';
import { FACEID_SERVICE } from '../faceid/wire.js';
import { apiFailure, type ApiFailure } from './envelope.js';
import type { HeaderMap } from './protocol.js';

/** A credential the emulator accepts. */
export interface EmulatorKeyPair {
  secretId: string;
  secretKey: string;
  /** When set, requests signed with this SecretId must send it as `X-TC-Token` (temporary STS credentials). */
  sessionToken?: string;
}

/** What the authenticator needs to know about the server it guards. */
export interface AuthenticatorOptions {
  keyPairs: readonly EmulatorKeyPair[];
  /** Allowed distance between `X-TC-Timestamp` and the server clock. @default 300 */
  timestampToleranceSeconds: number;
  /** Server clock in epoch milliseconds; injectable so tests can shift it instead of faking a client's clock. */
  now: () => number;
}

/** The parts of a request the signature covers. */
export interface SignedRequest {
  headers: HeaderMap;
  /** The raw body bytes, exactly as received: the signature hashes bytes, not parsed JSON. */
  body: Uint8Array;
}

/** Verifies one request; `undefined` means authenticated. */
export type Authenticator = (request: SignedRequest) => ApiFailure | undefined;

/** Most headers one request may sign: a few more than the two every SDK signs, and a bound on the work. */
const MAX_SIGNED_HEADERS = 16;

const SIGNATURE_FAILURE_MESSAGE =
  'The provided credentials could not be validated. Please check your signature is correct.';

/** The `Host` header carries the port, the signature never does (`127.0.0.1:9100` is signed as `127.0.0.1`). */
export function hostnameOf(hostHeader: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(hostHeader);
  return match?.[1] ?? hostHeader;
}

/** Hashing first gives both sides the same length, so the comparison leaks neither content nor length. */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Builds the verifier for a fixed set of accepted key pairs. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const keyPairsById = new Map(options.keyPairs.map((pair) => [pair.secretId, pair]));

  return ({ headers, body }) => {
    const parts = parseTc3Authorization(headers['authorization'] ?? '');
    if (!parts) {
      return apiFailure(
        'AuthFailure.InvalidAuthorization',
        'Authorization in the request header is invalid: expected `TC3-HMAC-SHA256 Credential=<SecretId>/<YYYY-MM-DD>/faceid/tc3_request, SignedHeaders=content-type;host, Signature=<64 hex digits>`.',
      );
    }
    // Tencent lets a client sign more headers than the two every official SDK signs (its own samples sign
    // x-tc-action too): names lower-case and sorted, content-type and host among them, each one sent.
    const signedNames = parts.signedHeaders.split(';');
    const sorted = signedNames.every((name, index) => index === 0 || (signedNames[index - 1] as string) < name);
    if (!sorted || signedNames.length > MAX_SIGNED_HEADERS || !signedNames.includes('content-type') || !signedNames.includes('host')) {
      return apiFailure(
        'AuthFailure.InvalidAuthorization',
        `Authorization in the request header is invalid: SignedHeaders must list content-type and host (and at most ${MAX_SIGNED_HEADERS} headers in all), lower-case, sorted, separated by ";", as in SignedHeaders=${TC3_SIGNED_HEADERS}.`,
      );
    }
    const unsent = signedNames.find((name) => headers[name] === undefined);
    if (unsent !== undefined) {
      return apiFailure('AuthFailure.InvalidAuthorization', `Authorization in the request header is invalid: SignedHeaders names ${unsent}, which the request does not carry.`);
    }

    const timestampHeader = headers['x-tc-timestamp'] ?? '';
    // Up to 16 digits is an integer the check below can judge: milliseconds (13 digits), a signer's common slip, are
    // a time far off, and Tencent answers them as such (SignatureExpire), not as a malformed header.
    if (!/^\d{1,16}$/.test(timestampHeader)) {
      return apiFailure('InvalidParameter', 'X-TC-Timestamp must be an integer number of seconds since the epoch.');
    }
    const timestamp = Number(timestampHeader);
    // Checked before the key and the signature: a stale request is rejected whoever signed it.
    const serverSeconds = Math.floor(options.now() / 1000);
    if (Math.abs(serverSeconds - timestamp) > options.timestampToleranceSeconds) {
      return apiFailure(
        'AuthFailure.SignatureExpire',
        `Signature expired: X-TC-Timestamp ${timestamp} and the server time ${serverSeconds} differ by more than ${options.timestampToleranceSeconds} seconds. Please ensure your local time matches the standard time, and sign every retry again.`,
      );
    }

    const keyPair = keyPairsById.get(parts.secretId);
    if (!keyPair) {
      return apiFailure('AuthFailure.SecretIdNotFound', 'The SecretId in the Authorization header is not found. Check that the key is correctly entered, without surrounding whitespace.');
    }

    const contentType = headers['content-type'] ?? '';
    const host = hostnameOf(headers['host'] ?? '');
    if (parts.service !== FACEID_SERVICE || parts.date !== utcDateOf(timestamp)) {
      return apiFailure(
        'AuthFailure.SignatureFailure',
        `${SIGNATURE_FAILURE_MESSAGE} (The credential scope must be ${utcDateOf(timestamp)}/${FACEID_SERVICE}/tc3_request: the UTC date of X-TC-Timestamp and the service name.)`,
      );
    }
    const expected = signTc3({
      secretId: keyPair.secretId,
      secretKey: keyPair.secretKey,
      service: FACEID_SERVICE,
      host,
      contentType,
      payload: body,
      timestamp,
      // The two as the SDKs sign them; any other as Tencent canonicalises it: trimmed, lower-case.
      signedHeaders:
        parts.signedHeaders === TC3_SIGNED_HEADERS
          ? undefined
          : signedNames.map((name) => [name, name === 'content-type' ? contentType : name === 'host' ? host : (headers[name] ?? '').trim().toLowerCase()] as const),
    });
    if (!timingSafeEqual(Buffer.from(expected.signature, 'hex'), Buffer.from(parts.signature, 'hex'))) {
      // The hint names only what the client controls and can compare with its own canonical request.
      return apiFailure(
        'AuthFailure.SignatureFailure',
        `${SIGNATURE_FAILURE_MESSAGE} (The emulator signed host ${JSON.stringify(host)} without port, content-type ${JSON.stringify(contentType)} exactly as sent, and the raw body bytes.)`,
      );
    }

    // A token is demanded only from key pairs configured with one; permanent keys ignore a stray X-TC-Token.
    if (keyPair.sessionToken !== undefined && !constantTimeEqual(headers['x-tc-token'] ?? '', keyPair.sessionToken)) {
      return apiFailure('AuthFailure.TokenFailure', 'Token error: X-TC-Token is missing or does not match the temporary credentials of this SecretId.');
    }
    return undefined;
  };
}
