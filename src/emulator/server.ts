/**
 * The FaceID emulator: a real HTTP server that speaks Tencent Cloud API 3.0 for the FaceID token and result actions,
 * verifies TC3 signatures with the gateway's own signer, enforces the documented rate limit, records every
 * request and misbehaves on demand.
 *
 * Requests under `/__emulator/` are the emulator's control routes (control.ts: completing a verification, the
 * fake result files) and skip every step below. Each other request goes through these steps; the first that
 * answers ends it:
 *  1. read the body, keeping at most 10 MiB               → RequestSizeLimitExceeded (see body.ts)
 *     (from here on the request is in `requests`, its responseCode filled in when it is answered)
 *  2. scripted latency (waits, then carries on)
 *  3. scripted `reset` / `httpStatus`                     → the network or an edge proxy failing: before any check
 *  4. request line, required headers, content type        → UnsupportedProtocol, MissingParameter, InvalidParameter
 *  5. TC3 signature, timestamp window, session token      → AuthFailure.*
 *  6. action, version, region                             → InvalidAction, NoSuchVersion, UnsupportedRegion
 *  7. scripted `tencentError` / `malformedBody`           → the API itself answering badly: only once authenticated
 *  8. rate limit, per action                              → RequestLimitExceeded
 *  9. body parsing and parameter validation, then answer  → InvalidParameter*, UnknownParameter, FailedOperation.*
 * Step 8 sits before 9 because Tencent counts a request with bad parameters against the limit too.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createActionRegistry, runAction } from './actions.js';
import { createAuthenticator, type EmulatorKeyPair } from './authenticate.js';
import { readBoundedBody, REQUEST_BODY_LIMIT_BYTES, REQUEST_DISCARD_LIMIT_BYTES } from './body.js';
import { apiFailure, createRequestId, errorEnvelope, successEnvelope } from './envelope.js';
import { createFaultScript, defaultStatusBody, MALFORMED_BODY, type EmulatorFault } from './faults.js';
import { EMULATOR_CONTROL_PREFIX, handleControlRequest } from './control.js';
import { createVerificationStore, type CompletionRefusal, type EmulatorOutcome, type VerificationKind } from './verifications.js';
import { checkRequestLine, checkRequiredHeaders, checkRouting, type HeaderMap } from './protocol.js';
import { createRateWindow } from './rate-window.js';
import { parseTc3Authorization } from '../faceid/tc3.js';

/** How to start an emulator. */
export interface FaceIdEmulatorOptions {
  /** The credentials the emulator accepts; at least one. */
  keyPairs: EmulatorKeyPair[];
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Requests admitted per action in any sliding 1-second window, as Tencent documents. @default 20 */
  rateLimitPerSecond?: number;
  /** Allowed skew between `X-TC-Timestamp` and the server clock. @default 300 */
  timestampToleranceSeconds?: number;
  /** Server clock for the timestamp window, epoch ms; shift it to test clock skew. @default Date.now */
  now?: () => number;
  /** Entries `requests` keeps, the latest. @default MAX_RECORDED_REQUESTS */
  maxRecordedRequests?: number;
  /** Text `requests` keeps in all (bodies and headers), in characters. @default MAX_RECORDED_BODY_BYTES */
  maxRecordedBodyBytes?: number;
}

/** One request as the emulator saw it. */
export interface RecordedRequest {
  /** `Date.now()` when the request headers arrived. */
  receivedAtMs: number;
  /** The `X-TC-Action` header as sent (empty when absent). */
  action: string;
  /** Lower-cased header names → values exactly as received (repeated headers joined by `, `). */
  headers: Record<string, string>;
  /** The body as UTF-8 text; empty when it exceeded the size limit and was not read. */
  body: string;
  /**
   * The Tencent error code of the answer, `OK`, or the kind of the fault that answered (`reset`, `httpStatus`,
   * `malformedBody`); `latency` while a scripted delay holds the request.
   */
  responseCode: string;
  /** The RequestId of the answer's envelope; absent when a fault answered without one (or has not answered yet). */
  responseRequestId?: string;
}

/** A running emulator. */
export interface FaceIdEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Every request whose body was read, in that order. */
  /**
   * The requests received, oldest first: the latest `maxRecordedRequests`, holding at most `maxRecordedBodyBytes`
   * of body text in all (older entries are dropped, in place).
   */
  readonly requests: RecordedRequest[];
  /** Queues `fault` for the next `times` (default 1) requests to `action`. */
  scriptFault(action: string, fault: EmulatorFault, options?: { times?: number }): void;
  /** Forgets every queued fault. */
  clearFaults(): void;
  /**
   * Completes the verification of a token this emulator minted with `outcome`, as `POST
   * /__emulator/verifications/<sdkToken>` does; its result actions then answer with that outcome. Throws a
   * TypeError naming the refusal (unknown token, token past its lifetime, unknown outcome).
   */
  completeVerification(sdkToken: string, outcome: EmulatorOutcome): { kind: VerificationKind; resultCode: string };
  /** Empties `requests` (in place, so a held reference sees it too). */
  clearRecords(): void;
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>;
}

/** Options with defaults applied and checked. */
interface ResolvedOptions {
  keyPairs: EmulatorKeyPair[];
  maxRecordedRequests: number;
  maxRecordedBodyBytes: number;
  host: string;
  port: number;
  rateLimitPerSecond: number;
  timestampToleranceSeconds: number;
  now: () => number;
}

function resolveOptions(options: FaceIdEmulatorOptions): ResolvedOptions {
  const {
    keyPairs,
    host = '127.0.0.1',
    port = 0,
    rateLimitPerSecond = 20,
    timestampToleranceSeconds = 300,
    now = Date.now,
    maxRecordedRequests = MAX_RECORDED_REQUESTS,
    maxRecordedBodyBytes = MAX_RECORDED_BODY_BYTES,
  } = options;
  if (!Array.isArray(keyPairs) || keyPairs.length === 0) {
    throw new TypeError('startFaceIdEmulator: `keyPairs` must list at least one key pair');
  }
  const seen = new Set<string>();
  for (const [index, pair] of keyPairs.entries()) {
    if (typeof pair?.secretId !== 'string' || pair.secretId === '' || typeof pair.secretKey !== 'string' || pair.secretKey === '') {
      throw new TypeError(`startFaceIdEmulator: \`keyPairs[${index}]\` needs a non-empty secretId and secretKey`);
    }
    if (seen.has(pair.secretId)) throw new TypeError(`startFaceIdEmulator: \`keyPairs[${index}]\` repeats SecretId ${pair.secretId}`);
    seen.add(pair.secretId);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`startFaceIdEmulator: \`port\` must be an integer from 0 to 65535, got ${port}`);
  if (!Number.isInteger(rateLimitPerSecond) || rateLimitPerSecond < 1) {
    throw new TypeError(`startFaceIdEmulator: \`rateLimitPerSecond\` must be a positive integer, got ${rateLimitPerSecond}`);
  }
  if (!Number.isFinite(timestampToleranceSeconds) || timestampToleranceSeconds < 0) {
    throw new TypeError(`startFaceIdEmulator: \`timestampToleranceSeconds\` must be a non-negative number, got ${timestampToleranceSeconds}`);
  }
  if (typeof now !== 'function') throw new TypeError('startFaceIdEmulator: `now` must be a function returning epoch milliseconds');
  for (const [name, value] of Object.entries({ maxRecordedRequests, maxRecordedBodyBytes })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`startFaceIdEmulator: \`${name}\` must be a positive integer, got ${value}`);
  }
  return {
    keyPairs: keyPairs.map((pair) => ({ ...pair })),
    host,
    port,
    rateLimitPerSecond,
    timestampToleranceSeconds,
    now,
    maxRecordedRequests,
    maxRecordedBodyBytes,
  };
}

/** `rawHeaders` rather than `headers`: Node drops repeats of some headers, a recorder should not. */
function headerMapOf(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function sendJson(response: ServerResponse, status: number, body: string, extraHeaders: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  response.end(body);
}

/**
 * Requests kept in `requests`. The record is for tests and for a developer looking at what was sent; a gateway on
 * the built-in emulator (`npm start` without credentials) records every mint, so without a bound each 8 MiB image
 * stayed in memory for the life of the process: 58 of them ran a 512 MiB heap out.
 */
export const MAX_RECORDED_REQUESTS = 10_000;
/** Body text kept across `requests`: four requests of the largest size, or thousands of ordinary ones. */
export const MAX_RECORDED_BODY_BYTES = 32 * 1024 * 1024;

/** What an entry holds, in characters: its body and its headers (a request may carry a thousand small ones). */
function heldCharsOf(entry: RecordedRequest): number {
  let chars = entry.body.length;
  for (const [name, value] of Object.entries(entry.headers)) chars += name.length + value.length;
  return chars;
}

/**
 * The record of requests: `add` appends an entry, then drops the oldest until both bounds hold again (the entry
 * just added always stays). The text held, bodies and headers, is counted as entries come and go; the array is
 * changed in place.
 */
function createRequestRecord(
  requests: RecordedRequest[],
  maxEntries: number,
  maxHeldChars: number,
): { add(entry: RecordedRequest): void; clear(): void } {
  let heldChars = 0;
  return {
    add(entry) {
      if (requests.length === 0) heldChars = 0;
      requests.push(entry);
      heldChars += heldCharsOf(entry);
      while (requests.length > maxEntries || (heldChars > maxHeldChars && requests.length > 1)) {
        heldChars -= heldCharsOf(requests.shift()!);
      }
    },
    clear() {
      requests.length = 0;
      heldChars = 0;
    },
  };
}

/** Starts an emulator listening on `host:port` and resolves once it accepts connections. */
export async function startFaceIdEmulator(options: FaceIdEmulatorOptions): Promise<FaceIdEmulator> {
  const config = resolveOptions(options);
  let baseUrl = '';
  const verifications = createVerificationStore({ now: config.now, baseUrl: () => baseUrl });
  const registry = createActionRegistry(verifications);
  const knownActions: ReadonlySet<string> = new Set(registry.keys());
  const authenticate = createAuthenticator(config);
  const rateWindow = createRateWindow({ limit: config.rateLimitPerSecond, now: () => performance.now() });
  const faults = createFaultScript();
  const requests: RecordedRequest[] = [];
  const requestRecord = createRequestRecord(requests, config.maxRecordedRequests, config.maxRecordedBodyBytes);
  // Aborted by close(), so a scripted latency never outlives the server and keeps a test process alive.
  const closing = new AbortController();
  // Every request waiting out a scripted latency listens to it, and removes its listener when the wait ends: as many
  // as there are open connections, which is no leak (Node warns past 10).
  setMaxListeners(0, closing.signal);

  /** Steps 1–2 of the list at the top: read, record, wait out a scripted latency, then answer. */
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.url?.startsWith(EMULATOR_CONTROL_PREFIX)) return handleControlRequest(request, response, verifications);
    const receivedAtMs = Date.now();
    const arrivedAt = performance.now();
    const headers: HeaderMap = headerMapOf(request.rawHeaders);
    const action = headers['x-tc-action'] ?? '';
    const requestId = createRequestId();
    const record = (body: string, responseCode: string): RecordedRequest => {
      const entry: RecordedRequest = { receivedAtMs, action, headers, body, responseCode };
      requestRecord.add(entry);
      return entry;
    };

    const read = await readBoundedBody(request, { limit: REQUEST_BODY_LIMIT_BYTES, discardLimit: REQUEST_DISCARD_LIMIT_BYTES });
    if (!read.ok) {
      if (read.reason === 'aborted') return; // the client left before it finished asking; nothing to record
      // The emulator reads with no held-body budget: 'overBudget' cannot happen here.
      const failure =
        read.reason === 'tooFragmented'
          ? apiFailure('InvalidParameter', `The request body arrived in more than ${read.pieces - 1} pieces for ${read.bytes} bytes; send it in larger chunks.`)
          : apiFailure('RequestSizeLimitExceeded', `The request body exceeds the limit of ${REQUEST_BODY_LIMIT_BYTES} bytes (10 MiB).`);
      record('', failure.code).responseRequestId = requestId;
      // Connection: close: after an oversized or fragmented upload the connection is not worth keeping, and when the
      // upload was cut off (not drained) closing is what stops the rest of it from being read.
      sendJson(response, 200, errorEnvelope(failure, requestId), { Connection: 'close' });
      return;
    }

    // Recorded as soon as it is read, not when answered: a test whose client gave up during a scripted latency
    // still sees the attempt (as `latency`, until the delay ends and the real outcome replaces it).
    const latencyMs = faults.takeLatency(action);
    const entry = record(read.body.toString('utf8'), latencyMs === undefined ? 'pending' : 'latency');
    if (latencyMs !== undefined) {
      try {
        await sleep(latencyMs, undefined, { signal: closing.signal });
      } catch {
        return; // the emulator closed while this request waited; its socket is already gone
      }
    }

    try {
      answer(request, response, entry, read.body, requestId, arrivedAt);
    } catch {
      // A bug in the emulator must still look like Tencent to the client under test, never like a hang.
      entry.responseCode = 'InternalError';
      if (response.headersSent || response.destroyed) return;
      entry.responseRequestId = requestId;
      sendJson(response, 200, errorEnvelope(apiFailure('InternalError', 'Internal error in the FaceID emulator.'), requestId));
    }
  }

  /** Steps 3–9: synchronous from here on, so nothing can interleave between the checks and the answer. */
  function answer(
    request: IncomingMessage,
    response: ServerResponse,
    entry: RecordedRequest,
    body: Buffer,
    requestId: string,
    arrivedAt: number,
  ): void {
    const { action, headers } = entry;
    const answerEnvelope = (responseCode: string, envelope: string) => {
      entry.responseCode = responseCode;
      entry.responseRequestId = requestId;
      sendJson(response, 200, envelope);
    };

    const transportFault = faults.takeTransportFault(action);
    if (transportFault?.kind === 'reset') {
      entry.responseCode = 'reset';
      // An RST, not a polite FIN: what a client sees when a load balancer or the network drops the connection.
      request.socket.resetAndDestroy();
      return;
    }
    if (transportFault?.kind === 'httpStatus') {
      entry.responseCode = 'httpStatus';
      const page = transportFault.body ?? defaultStatusBody(transportFault.status);
      response.writeHead(transportFault.status, {
        'Content-Type': page.trimStart().startsWith('{') ? 'application/json' : 'text/html',
        'Content-Length': Buffer.byteLength(page),
      });
      response.end(page);
      return;
    }

    const failure =
      checkRequestLine(request.method, request.url) ??
      checkRequiredHeaders(headers) ??
      authenticate({ headers, body }) ??
      checkRouting(headers, knownActions);
    if (failure) return answerEnvelope(failure.code, errorEnvelope(failure, requestId));

    const apiFault = faults.takeApiFault(action);
    if (apiFault?.kind === 'tencentError') {
      const scripted = apiFailure(apiFault.code, apiFault.message ?? `${apiFault.code} (a fault scripted in the FaceID emulator).`);
      return answerEnvelope(scripted.code, errorEnvelope(scripted, requestId));
    }
    if (apiFault?.kind === 'malformedBody') {
      entry.responseCode = 'malformedBody';
      sendJson(response, 200, MALFORMED_BODY);
      return;
    }

    // Only admitted requests enter the window (see rate-window.ts): a client's refused retries do not lock it out.
    // Tencent counts per action, region and (sub-)account; the key is the emulator's account. Every part was checked
    // above against a fixed set (actions, regions, configured keys), so the windows are bounded.
    const secretId = parseTc3Authorization(headers['authorization'] ?? '')?.secretId ?? '';
    const admission = rateWindow.tryAdmit(`${action}|${headers['x-tc-region'] ?? ''}|${secretId}`, arrivedAt);
    if (!admission.admitted) {
      const limited = apiFailure(
        'RequestLimitExceeded',
        `Your current request times equals to \`${admission.inWindow + 1}\` in a second, which exceeds the frequency limit \`${config.rateLimitPerSecond}\` of ${action} for a second. Please reduce the frequency of calls.`,
      );
      return answerEnvelope(limited.code, errorEnvelope(limited, requestId));
    }

    const outcome = runAction(registry.get(action)!, body);
    if (!outcome.ok) return answerEnvelope(outcome.failure.code, errorEnvelope(outcome.failure, requestId));
    answerEnvelope('OK', successEnvelope(outcome.fields, requestId));
  }

  const server = createServer((request, response) => {
    // Only reading the body can reject (a stream fault); the socket is the one thing left to clean up.
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  baseUrl = url;
  const refusals: Record<CompletionRefusal, string> = {
    unknown_token: 'the emulator minted no such token (or has forgotten it)',
    token_expired: 'the token is past its lifetime',
    unknown_outcome: 'unknown outcome',
  };

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    requests,
    scriptFault(action, fault, scriptOptions) {
      if (typeof action !== 'string' || action === '') throw new TypeError('scriptFault: `action` must be a non-empty action name');
      faults.add(action, fault, scriptOptions?.times ?? 1);
    },
    clearFaults: () => faults.clear(),
    completeVerification(sdkToken, outcome) {
      const completed = verifications.complete(sdkToken, outcome);
      if (!completed.ok) throw new TypeError(`completeVerification: ${refusals[completed.refusal]}`);
      return { kind: completed.kind, resultCode: completed.resultCode };
    },
    clearRecords() {
      requestRecord.clear();
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would otherwise hold server.close() (and the test run) open for seconds.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
