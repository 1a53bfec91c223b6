/** Test credentials: JWTs signed with jose, an HS256 secret, and API keys with their configured hashes. */
import { SignJWT, type JWTPayload } from 'jose';
import { hashApiKey, type AuthSettings } from '../../src/auth/authenticate.js';

export const JWT_SECRET = 'test-shared-secret-of-at-least-32-bytes';
export const JWT_ISSUER = 'https://issuer.test';
export const JWT_AUDIENCE = 'faceid-gateway';

export const API_KEYS = {
  ekycBackend: 'ak_ekyc_backend_0123456789abcdef',
  selfieBackend: 'ak_selfie_backend_fedcba9876543210',
  resultBackend: 'ak_result_backend_0f1e2d3c4b5a6978',
} as const;

/** JWT and API-key authentication, as a deployment would configure it. */
export const REQUIRED_AUTH: AuthSettings = {
  mode: 'required',
  jwt: { secret: JWT_SECRET, issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
  apiKeys: [
    { name: 'ekyc-backend', sha256: hashApiKey(API_KEYS.ekycBackend), scopes: ['faceid:ekyc'] },
    { name: 'selfie-backend', sha256: hashApiKey(API_KEYS.selfieBackend), scopes: ['faceid:selfie'] },
  ],
};

/** Signs an HS256 token; claims override the valid defaults (issuer, audience, subject, one hour). */
export async function signToken(
  claims: JWTPayload = {},
  options: { secret?: string; expiresIn?: string | number } = {},
): Promise<string> {
  const { iss = JWT_ISSUER, aud = JWT_AUDIENCE, sub = 'user-1', ...rest } = claims;
  const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(options.expiresIn ?? '1h');
  if (iss !== null) jwt.setIssuer(iss);
  if (aud !== null) jwt.setAudience(aud);
  if (sub !== null && sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/**
 * Signs exactly the time claims given (`iat`, `nbf`, `exp` are never filled in from the real clock), as issued to
 * `user-1` by the test issuer with the selfie scope: for tests that place every claim against a fixed clock.
 */
export function signTimedToken(claims: Record<string, number>, secret: string = JWT_SECRET): Promise<string> {
  return new SignJWT({ scope: 'faceid:selfie', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject('user-1')
    .sign(new TextEncoder().encode(secret));
}
