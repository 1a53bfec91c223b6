/**
 * A minimal TC3 client for the emulator tests: signs with the shared signer and sends with fetch, with a knob for
 * every part of the request a test wants to get wrong.
 */
import { signTc3 } from '../../src/faceid/tc3.js';
import { FACEID_API_VERSION, FACEID_SERVICE } from '../../src/faceid/wire.js';
import type { EmulatorKeyPair } from '../../src/emulator/index.js';

/** A fixed, test-only key pair. */
export const TEST_KEY_PAIR: EmulatorKeyPair = { secretId: 'AKIDTESTEMULATOR1111111111111111', secretKey: 'test-secret-key' };

/** Tencent's response envelope, as far as these tests read it. */
export interface TencentEnvelope {
  Response: {
    Error?: { Code: string; Message: string };
    RequestId: string;
    SdkToken?: string;
    [field: string]: unknown;
  };
}

/** Everything about one request a test may change; defaults give a valid, freshly signed request. */
export interface EmulatorCall {
  /** @default 'GetFaceIdTokenIntl' */
  action?: string;
  /** Objects are JSON-serialized once; strings and bytes are sent as they are. @default {} */
  body?: unknown;
  /** @default TEST_KEY_PAIR (its sessionToken, if any, is sent as X-TC-Token) */
  keyPair?: EmulatorKeyPair;
  /** @default now, in seconds */
  timestamp?: number;
  /** The host put into the signature. @default the URL's hostname, without port */
  signedHost?: string;
  /** @default 'application/json' */
  contentType?: string;
  /** The content type put into the signature. @default contentType */
  signedContentType?: string;
  /** @default 'faceid' */
  service?: string;
  /** @default 'ap-singapore' */
  region?: string;
  /** @default FACEID_API_VERSION */
  version?: string;
  /** Extra headers; `null` removes a header the helper would send. */
  headers?: Record<string, string | null>;
  /** @default 'POST' */
  method?: string;
  /** @default '/' */
  path?: string;
  /**
   * Headers signed besides content-type and host (lower-case names of headers the helper sends), as Tencent's own
   * samples sign x-tc-action: values trimmed and lower-cased, names sorted. @default none
   */
  alsoSign?: string[];
}

/** What came back. */
export interface EmulatorAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed envelope, when the body was JSON. */
  json: TencentEnvelope | undefined;
  /** The request as sent, for exact comparisons with the emulator's records. */
  sent: { headers: Record<string, string>; body: string };
}

function bodyBytes(body: unknown): Uint8Array<ArrayBuffer> {
  if (body instanceof Uint8Array) return new Uint8Array(body);
  return new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
}

/** Signs and sends one request to the emulator at `baseUrl`. */
export async function callEmulator(baseUrl: string, call: EmulatorCall = {}): Promise<EmulatorAnswer> {
  const url = new URL(call.path ?? '/', baseUrl);
  const payload = bodyBytes(call.body);
  const keyPair = call.keyPair ?? TEST_KEY_PAIR;
  const timestamp = call.timestamp ?? Math.floor(Date.now() / 1000);
  const contentType = call.contentType ?? 'application/json';
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-TC-Action': call.action ?? 'GetFaceIdTokenIntl',
    'X-TC-Version': call.version ?? FACEID_API_VERSION,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Region': call.region ?? 'ap-singapore',
  };
  const host = call.signedHost ?? new URL(baseUrl).hostname;
  const signedContentType = call.signedContentType ?? contentType;
  const valueOf = (name: string) => Object.entries(headers).find(([header]) => header.toLowerCase() === name)?.[1] ?? '';
  const signedHeaders = call.alsoSign
    ? ([['content-type', signedContentType], ['host', host], ...call.alsoSign.map((name) => [name, valueOf(name).trim().toLowerCase()])] as Array<[string, string]>).sort(
        ([a], [b]) => (a < b ? -1 : 1),
      )
    : undefined;
  const { authorization } = signTc3({
    secretId: keyPair.secretId,
    secretKey: keyPair.secretKey,
    service: call.service ?? FACEID_SERVICE,
    host,
    contentType: signedContentType,
    payload,
    timestamp,
    signedHeaders,
  });
  headers['Authorization'] = signedHeaders
    ? authorization.replace('SignedHeaders=content-type;host', `SignedHeaders=${signedHeaders.map(([name]) => name).join(';')}`)
    : authorization;
  if (keyPair.sessionToken !== undefined) headers['X-TC-Token'] = keyPair.sessionToken;
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  const method = call.method ?? 'POST';
  // Bytes, not a string: fetch adds no Content-Type of its own to a byte body, so "missing" really is missing.
  const response = await fetch(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : payload });
  const text = await response.text();
  let json: TencentEnvelope | undefined;
  try {
    json = JSON.parse(text) as TencentEnvelope;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, sent: { headers, body: new TextDecoder().decode(payload) } };
}

/** The error code of an answer, or 'OK' for a success envelope. */
export function codeOf(answer: EmulatorAnswer): string {
  return answer.json?.Response.Error?.Code ?? (answer.json ? 'OK' : 'not JSON');
}

/** Tencent SdkToken shape: an upper-case UUID. */
export const SDK_TOKEN_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
/** Tencent RequestId shape: a lower-case UUID. */
export const REQUEST_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
