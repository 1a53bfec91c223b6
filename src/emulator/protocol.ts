/**
 * The request-shape rules of Tencent Cloud API 3.0 that come before any action: request line, required headers,
 * content type, then action / version / region routing. Each check returns the first failure, or undefined.
 */
import { FACEID_API_VERSION } from '../faceid/wire.js';
import { apiFailure, type ApiFailure } from './envelope.js';

/** Request headers with lower-cased names, values exactly as received (repeated headers joined by `, `). */
export type HeaderMap = Readonly<Record<string, string>>;

/** The regions Tencent documents for the FaceID international token actions. */
export const SUPPORTED_REGIONS: readonly string[] = ['ap-singapore', 'ap-jakarta', 'ap-bangkok', 'ap-hongkong', 'sa-saopaulo'];

/**
 * Headers every request must carry, in the order a missing one is reported. `Host` is listed because the
 * signature covers it; HTTP/1.1 clients always send it.
 */
const REQUIRED_HEADERS = ['X-TC-Action', 'X-TC-Version', 'X-TC-Timestamp', 'X-TC-Region', 'Authorization', 'Content-Type', 'Host'];

/** The body of the legacy (v1) signing scheme: parameters and signature as form fields. */
const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\b/i;

/** `application/json`, optionally with `charset=utf-8`: the only body format the emulator speaks. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/** Header values land in messages; a bounded, quoted echo keeps a hostile header from flooding the answer. */
function quoteForMessage(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/**
 * Tencent also accepts GET with a query string, and the legacy HmacSHA1/HmacSHA256 signing with a form body (the
 * official SDKs' default); the emulator speaks what the gateway sends, and the SDKs with a TC3-HMAC-SHA256 profile
 * (`POST /` with a JSON body), so anything else gets Tencent's "unsupported protocol" code.
 */
export function checkRequestLine(method: string | undefined, url: string | undefined): ApiFailure | undefined {
  if (method !== 'POST') {
    return apiFailure('UnsupportedProtocol', `HTTP method ${quoteForMessage(method ?? '')} is not supported; the FaceID emulator accepts only POST.`);
  }
  if (url !== '/') {
    return apiFailure('UnsupportedProtocol', `Request target ${quoteForMessage(url ?? '')} is not supported; Tencent Cloud API 3.0 requests go to "/" without a query string.`);
  }
  return undefined;
}

/** MissingParameter naming every absent (or empty) required header, then the content-type rule. */
export function checkRequiredHeaders(headers: HeaderMap): ApiFailure | undefined {
  const missing = REQUIRED_HEADERS.filter((name) => !headers[name.toLowerCase()]);
  if (missing.length > 0) {
    // Tencent's SDKs sign with the legacy HmacSHA256 scheme (a form body, no X-TC-* headers) unless told otherwise;
    // Tencent still accepts it, the emulator does not, and says how to switch.
    const legacy = FORM_CONTENT_TYPE.test(headers['content-type'] ?? '')
      ? " This looks like a request signed with the legacy HmacSHA1/HmacSHA256 scheme (a form body), which Tencent still accepts but the emulator does not: it verifies only TC3-HMAC-SHA256. With Tencent's SDKs, pass `new ClientProfile('TC3-HMAC-SHA256', httpProfile)`."
      : '';
    return apiFailure('MissingParameter', `The request is missing the required header(s) ${missing.map((name) => `\`${name}\``).join(', ')}.${legacy}`);
  }
  const contentType = headers['content-type'] ?? '';
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    // Tencent would route form and multipart bodies elsewhere; for this emulator they are simply invalid input.
    return apiFailure('InvalidParameter', `Content-Type ${quoteForMessage(contentType)} is not supported; send \`application/json\` (optionally with \`; charset=utf-8\`).`);
  }
  return undefined;
}

/** InvalidAction, NoSuchVersion, UnsupportedRegion, in that order (the order Tencent routes a request in). */
export function checkRouting(headers: HeaderMap, knownActions: ReadonlySet<string>): ApiFailure | undefined {
  const action = headers['x-tc-action'] ?? '';
  if (!knownActions.has(action)) {
    return apiFailure('InvalidAction', `The action ${quoteForMessage(action)} does not exist in the FaceID emulator; known actions: ${[...knownActions].join(', ')}.`);
  }
  const version = headers['x-tc-version'] ?? '';
  if (version !== FACEID_API_VERSION) {
    return apiFailure('NoSuchVersion', `The API version ${quoteForMessage(version)} does not exist for ${action}; FaceID uses \`${FACEID_API_VERSION}\`.`);
  }
  const region = headers['x-tc-region'] ?? '';
  if (!SUPPORTED_REGIONS.includes(region)) {
    return apiFailure('UnsupportedRegion', `${action} does not support the region ${quoteForMessage(region)}; supported regions: ${SUPPORTED_REGIONS.join(', ')}.`);
  }
  return undefined;
}
