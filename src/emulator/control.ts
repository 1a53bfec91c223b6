/**
 * The emulator's control routes, under `/__emulator/` (Tencent's API answers only `POST /`, so nothing collides):
 *
 *   POST /__emulator/verifications/<SdkToken>   {"outcome": "SUCCESS"}
 *     Completes the verification of a token the emulator minted, as the user finishing the SDK flow would.
 *     `outcome` is a VerificationOutcome name (SUCCESS, LIVENESS_FAILED, …, NOT_FINISHED; see docs/verification-results.md).
 *     200 {"sdkToken", "kind": "selfie"|"ekyc", "outcome", "resultCode"}; 404 unknown token; 409 token past its
 *     lifetime (10 min selfie, 2 h eKYC); 400 a body without a known outcome. Re-completing replaces the outcome.
 *   GET /__emulator/files/<SdkToken>/<name>
 *     The fake files whose URLs eKYC results carry (`FileInfo.Url`).
 *
 * Control requests are not signed, not rate limited and not recorded in `requests`: they stand for the user and
 * Tencent's storage, not for API calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBoundedBody } from './body.js';
import { EMULATOR_OUTCOME_CODES, fakeFileBytes, type VerificationStore } from './verifications.js';

/** Path prefix of every control route. */
export const EMULATOR_CONTROL_PREFIX = '/__emulator/';
/** A control body is one small JSON object. */
const CONTROL_BODY_LIMIT_BYTES = 4096;

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Answers one control request. */
export async function handleControlRequest(request: IncomingMessage, response: ServerResponse, store: VerificationStore): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://emulator').pathname;
  const completion = /^\/__emulator\/verifications\/([^/]+)$/.exec(path);
  const file = /^\/__emulator\/files\/([^/]+)\/([\w.-]+)$/.exec(path);

  if (completion && request.method === 'POST') {
    const read = await readBoundedBody(request, { limit: CONTROL_BODY_LIMIT_BYTES });
    if (!read.ok) {
      // Reading stopped mid-body: closing the connection is what stops node from parsing the rest of it.
      if (read.reason === 'tooLarge') reply(response, 413, { error: `The body exceeds ${CONTROL_BODY_LIMIT_BYTES} bytes.` }, { Connection: 'close' });
      if (read.reason === 'tooFragmented') reply(response, 400, { error: 'The body arrived in too many small pieces.' }, { Connection: 'close' });
      return;
    }
    let outcome: unknown;
    try {
      outcome = (JSON.parse(read.body.toString('utf8')) as { outcome?: unknown } | null)?.outcome;
    } catch {
      outcome = undefined;
    }
    let sdkToken: string;
    try {
      sdkToken = decodeURIComponent(completion[1]!);
    } catch {
      // A malformed percent-encoding names no token the emulator minted.
      return reply(response, 404, { error: 'The emulator minted no token with this value (or has forgotten it).' });
    }
    const completed = store.complete(sdkToken, typeof outcome === 'string' ? outcome : '');
    if (completed.ok) return reply(response, 200, { sdkToken, kind: completed.kind, outcome, resultCode: completed.resultCode });
    switch (completed.refusal) {
      case 'unknown_outcome':
        return reply(response, 400, { error: `The body must be {"outcome": <one of ${Object.keys(EMULATOR_OUTCOME_CODES).join(', ')}>}.` });
      case 'unknown_token':
        return reply(response, 404, { error: 'The emulator minted no token with this value (or has forgotten it).' });
      case 'token_expired':
        return reply(response, 409, { error: 'The token is past its lifetime: the SDK can no longer complete a verification with it.' });
    }
  }
  if (file && request.method === 'GET') {
    // The same bytes for every token: the MD5 and Size of the result's FileInfo describe exactly these.
    const bytes = fakeFileBytes(file[2]!);
    const type = file[2]!.endsWith('.mp4') ? 'video/mp4' : file[2]!.endsWith('.json') ? 'application/json' : 'image/jpeg';
    response.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
    response.end(bytes);
    return;
  }
  reply(response, 404, { error: 'No such emulator control route; see src/emulator/control.ts.' });
}
