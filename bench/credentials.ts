/**
 * The credentials every benchmark uses: the Tencent key pair its upstream (the FaceID emulator) accepts, and the
 * gateway's JWT settings with the bearer tokens that pass them. Shared so that a gateway started by one script
 * accepts the tokens another signs.
 */
import { SignJWT } from 'jose';

/** The benchmark upstream's key pair. */
export const BENCH_KEY_PAIR = { secretId: 'AKIDBENCHMARK000000000000000000000', secretKey: 'benchmark-secret-key' };
/** The same key pair as the gateway, the upstream and the SDK endpoint read it from their environment. */
export const BENCH_KEY_PAIR_ENV = { TENCENTCLOUD_SECRET_ID: BENCH_KEY_PAIR.secretId, TENCENTCLOUD_SECRET_KEY: BENCH_KEY_PAIR.secretKey };
/** The gateway's JWT settings (HS256), as its environment. */
export const BENCH_JWT_ENV = {
  AUTH_JWT_SECRET: 'benchmark-jwt-secret-of-at-least-32-bytes',
  AUTH_JWT_ISSUER: 'https://issuer.bench',
  AUTH_JWT_AUDIENCE: 'faceid-gateway',
};

const jwtSecret = new TextEncoder().encode(BENCH_JWT_ENV.AUTH_JWT_SECRET);

/** A bearer token for `subject` with both FaceID scopes, valid for an hour, that the benchmark gateways accept. */
export function benchToken(subject: string): Promise<string> {
  return new SignJWT({ scope: 'faceid:selfie faceid:ekyc' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(BENCH_JWT_ENV.AUTH_JWT_ISSUER)
    .setAudience(BENCH_JWT_ENV.AUTH_JWT_AUDIENCE)
    .setExpirationTime('1h')
    .sign(jwtSecret);
}
