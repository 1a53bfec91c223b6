/**
 * The gateway the client compatibility suite (test/compat-*.test.ts) talks to: the real `src/server.ts` process on
 * 127.0.0.1, on its built-in emulator, with JWT and API-key authentication, and a budget of one token a second
 * with no queue, so that a burst of three concurrent mutations is refused with RATE_LIMITED in any design of the
 * throttle. Plus what each client needs to provoke every documented error.
 */
import { hashApiKey } from '../../src/auth/authenticate.js';
import { API_KEYS, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, signToken } from './credentials.js';
import { spawnGateway, stopIfRunning, type GatewayProcess } from './gateway-process.js';
import { SAMPLE_IMAGE_BASE64 } from './harness.js';

/** Concurrent mutations fired to provoke RATE_LIMITED: with one a second and no queue, at least two are refused. */
export const RATE_LIMIT_BURST = 3;

/** The environment of the gateway under test, as an operator would write it. */
export const COMPAT_GATEWAY_ENV: Readonly<Record<string, string>> = {
  PORT: '0',
  HOST: '127.0.0.1',
  AUTH_JWT_SECRET: JWT_SECRET,
  AUTH_JWT_ISSUER: JWT_ISSUER,
  AUTH_JWT_AUDIENCE: JWT_AUDIENCE,
  AUTH_API_KEYS: JSON.stringify([
    { name: 'ekyc-backend', sha256: hashApiKey(API_KEYS.ekycBackend), scopes: ['faceid:ekyc'] },
    { name: 'selfie-backend', sha256: hashApiKey(API_KEYS.selfieBackend), scopes: ['faceid:selfie'] },
    { name: 'result-backend', sha256: hashApiKey(API_KEYS.resultBackend), scopes: ['faceid:result'] },
  ]),
  FACEID_RATE_LIMIT: '1',
  FACEID_MAX_QUEUE_WAIT_MS: '0',
};

/** A running compat gateway and the credentials to call it with. */
export interface CompatGateway {
  /** The /graphql URL. */
  url: string;
  process: GatewayProcess;
  /** Headers of a caller allowed both mutations (a JWT with both scopes). */
  trusted: Record<string, string>;
  /** Headers of a caller allowed only getSelfieToken (the selfie API key): FORBIDDEN on applyEkycToken. */
  selfieOnly: Record<string, string>;
  /** Headers with a token that does not verify: UNAUTHENTICATED. */
  forged: Record<string, string>;
  /** Headers of a backend that reads verification results (an API key with faceid:result). */
  resultReader: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the gateway process; resolves once it listens. */
export async function startCompatGateway(extraEnv: Record<string, string> = {}): Promise<CompatGateway> {
  const gateway = spawnGateway({ ...COMPAT_GATEWAY_ENV, ...extraEnv });
  const port = await gateway.listening;
  const token = await signToken({ scope: 'faceid:selfie faceid:ekyc' });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    process: gateway,
    trusted: { authorization: `Bearer ${token}` },
    selfieOnly: { 'x-api-key': API_KEYS.selfieBackend },
    forged: { authorization: 'Bearer not-a-jwt' },
    resultReader: { 'x-api-key': API_KEYS.resultBackend },
    async close() {
      if (gateway.child.exitCode === null) {
        gateway.child.kill('SIGTERM');
        await Promise.race([gateway.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      }
      await stopIfRunning(gateway);
    },
  };
}

/** The operations every client sends, as application code would write them. */
export const COMPAT_OPERATIONS = {
  selfie: /* GraphQL */ `
    mutation GetSelfieToken($input: GetSelfieTokenInput!) {
      getSelfieToken(input: $input) { sdkToken requestId expiresAt }
    }`,
  ekyc: /* GraphQL */ `
    mutation ApplyEkycToken($input: ApplyEkycTokenInput!) {
      applyEkycToken(input: $input) { sdkToken requestId expiresAt }
    }`,
  gatewayInfo: /* GraphQL */ `
    query GatewayInfo {
      gateway { upstream region }
    }`,
} as const;

/** Input the gateway's own validation refuses: an image outside compare mode (BAD_USER_INPUT, field input.image). */
export const INVALID_SELFIE_INPUT = { image: SAMPLE_IMAGE_BASE64 } as const;
/** The field the gateway names for INVALID_SELFIE_INPUT. */
export const INVALID_SELFIE_FIELD = 'input.image';

/** The shape of the tokens the emulator mints. */
export const SDK_TOKEN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
