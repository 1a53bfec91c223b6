/**
 * The FaceID upstream client. The data path reads top to bottom:
 * validate → (per attempt) throttle, in the caller's turn → serialize, once → sign → send → read the answer → retry
 * or map the error. Who is calling and what share they get is the throttle's concern; the client only passes the
 * caller's id along.
 *
 * Retries are this module's loop rather than got's: Tencent reports retryable failures (RequestLimitExceeded,
 * InternalError) inside HTTP 200 bodies, which got's retry cannot see, and every attempt must take its own
 * throttle slot. got still does what it is best at: one keep-alive agent, per-attempt timeouts, and a
 * `beforeRequest` hook that signs each attempt with a fresh timestamp.
 *
 * Retrying a token mint is safe: the actions are not idempotent, but a duplicate token is harmless — an unused
 * token expires on its own and only a completed verification is billed. Retrying a result read is safe too: it
 * changes nothing at Tencent and answers the same until the result is dropped (72 h selfie, 3 days eKYC).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { RequestError, TimeoutError, type Got } from 'got';
import type { Logger } from 'pino';
import { GatewayError, RateLimitedError, UpstreamMisconfiguredError, UpstreamUnavailableError } from '../errors.js';
import { authorizationOf, createDailySigningKey, utcDateOf } from './tc3.js';
import type { SharedBudget } from './shared-budget.js';
import {
  createActionThrottle,
  type ActionThrottle,
  type ActionThrottleOptions,
  type ThrottleRefusal,
  type UpstreamSlot,
} from './throttle.js';
import {
  isUnreadableResult,
  readEkycResult,
  readSelfieResult,
  type EkycVerificationResult,
  type SelfieVerificationResult,
  type UnreadableResult,
} from './results.js';
import {
  EKYC_TOKEN_TTL_SECONDS,
  SELFIE_TOKEN_TTL_SECONDS,
  validateEkycTokenRequest,
  validateSdkToken,
  validateSelfieTokenRequest,
  type EkycTokenRequest,
  type SelfieTokenRequest,
} from './requests.js';
import {
  FACEID_ACTIONS,
  FACEID_API_VERSION,
  FACEID_CONTENT_TYPE,
  FACEID_SERVICE,
  FaceIdAction,
  SIGNATURE_EXPIRED_CODE,
  parseResponseEnvelope,
  tencentErrorToGatewayError,
  toApplySdkVerificationTokenPayload,
  toGetFaceIdTokenIntlPayload,
  toResultPayload,
  type FaceIdActionName,
  type TokenAnswer,
  type WirePayload,
} from './wire.js';

/** A Tencent Cloud key pair, with the session token of temporary (STS) credentials. */
export interface FaceIdCredentials {
  secretId: string;
  secretKey: string;
  /** Sent as `X-TC-Token`; not signed. */
  sessionToken?: string | undefined;
}

/** Retry policy: which failures are retried is fixed (retryable ones); how often and how long is not. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 2 */
  maxRetries: number;
  /** First backoff ceiling; doubles per retry, with full jitter. @default 200 */
  baseDelayMs: number;
  /** Largest backoff ceiling. @default 2000 */
  maxDelayMs: number;
}

export interface FaceIdClientOptions {
  /** `https://faceid.intl.tencentcloudapi.com`, or a local emulator. */
  endpoint: string;
  region: string;
  credentials: FaceIdCredentials;
  /** `X-TC-Language` for Tencent's messages. */
  language?: 'en-US' | 'zh-CN' | undefined;
  /** Upstream attempts per second per action. */
  rateLimitPerSecond: number;
  /** Longest expected throttle wait before RATE_LIMITED. */
  maxQueueWaitMs: number;
  /** Limit of one attempt, from sending to the whole answer. */
  attemptTimeoutMs: number;
  /**
   * Largest answer read; a longer one is abandoned unread as UPSTREAM_UNAVAILABLE. Token answers are further held
   * to MAX_TOKEN_ANSWER_BYTES. @default DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES (48 MiB)
   */
  maxResponseBytes?: number | undefined;
  /** Limit of the whole call: queueing, every attempt and every backoff. */
  totalTimeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** The budget shared with other replicas; none means this process owns the whole budget. */
  sharedBudget?: SharedBudget | undefined;
  /** Further settings of every action's throttle (hard per-caller cap, queue caps, timers). @default none */
  throttle?: ThrottleSettings | undefined;
  /** Receives what the client measures (metrics). */
  observer?: FaceIdClientObserver | undefined;
}

/** Throttle settings the client passes through unchanged. */
export type ThrottleSettings = Pick<ActionThrottleOptions, 'callerMaxShare' | 'maxQueued' | 'maxQueuedPerCaller' | 'sleep'>;

/** The caller id of calls that name none: they share one FIFO. */
export const UNNAMED_CALLER = 'unnamed';

/** Upstream answers that are the caller's mistake, not the gateway's or Tencent's: logged at info. */
const CALLER_MISTAKES: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'SDK_TOKEN_UNKNOWN', 'SDK_TOKEN_EXPIRED']);

/** What the client reports as it works; every method is optional. */
export interface FaceIdClientObserver {
  /** One upstream attempt ended: `outcome` is `OK` or the gateway error code it amounted to. */
  upstreamAttempt?(action: FaceIdActionName, outcome: string, seconds: number): void;
  /** A caller waited this long for a throttle slot. */
  throttleWait?(action: FaceIdActionName, seconds: number): void;
  /** A call was refused locally. */
  rejected?(action: FaceIdActionName, reason: ThrottleRefusal): void;
}

/** A minted SDK token. */
export interface IssuedToken extends TokenAnswer {
  /** Conservative expiry: the token's lifetime counted from when the successful attempt was sent. */
  expiresAt: Date;
}

export interface CallOptions {
  /** Aborts the call when the caller goes away; a caller still queued then spends no slot. */
  signal?: AbortSignal | undefined;
  /** Who is calling (`jwt:<sub>`, `key:<name>`, `ip:<addr>`): the throttle keeps one FIFO per caller. @default UNNAMED_CALLER */
  callerId?: string | undefined;
  /**
   * Takes the bytes of Tencent's answer from the memory budget until the caller's own answer is sent; false fails
   * the call with RATE_LIMITED, not retried (the answer is already here). @default none: answers are not counted
   */
  holdAnswer?: ((bytes: number) => boolean) | undefined;
}

/** The gateway's view of Tencent FaceID. */
export interface FaceIdClient {
  getSelfieToken(request: SelfieTokenRequest, options?: CallOptions): Promise<IssuedToken>;
  applyEkycToken(request: EkycTokenRequest, options?: CallOptions): Promise<IssuedToken>;
  /** The result of the selfie verification of an SDK token (Tencent GetFaceIdResultIntl). */
  getSelfieResult(sdkToken: string, options?: CallOptions): Promise<SelfieVerificationResult>;
  /** The result of the eKYC verification of an SDK token (Tencent GetSdkVerificationResult). */
  getEkycResult(sdkToken: string, options?: CallOptions): Promise<EkycVerificationResult>;
  /** Per-action throttles, for observing queue depth. */
  readonly throttles: Readonly<Record<FaceIdActionName, ActionThrottle>>;
  /** Releases keep-alive sockets. */
  close(): void;
}

/** Reads an action's `Response` into the gateway's terms; `sentAt` is when the attempt was sent. */
type AnswerReader<T> = (answer: { response: Record<string, unknown>; requestId: string }, sentAt: number) => T | UnreadableResult;

/**
 * got's `beforeRequest` hook that replaces `cacheOptions` (four `undefined` entries by default) with an empty object.
 * got spreads `cacheOptions` at the head of the object literal it builds for `http.request` on every attempt, and
 * on Node 20's V8 every property a literal defines after a non-empty spread takes the runtime's slow path: with
 * got's 32 further properties, 36 µs and about 20 KB of garbage per attempt. The gateway uses no HTTP cache, so
 * an empty object means the same and keeps that literal on the fast path (under 3 µs).
 */
export const clearUnusedCacheOptions = (options: { cacheOptions: object }): void => {
  options.cacheOptions = {};
};

const readToken: AnswerReader<TokenAnswer> = ({ response, requestId }) =>
  typeof response.SdkToken === 'string' && response.SdkToken !== ''
    ? { sdkToken: response.SdkToken, requestId }
    : { unreadable: 'the Response has no SdkToken or RequestId' };

/**
 * Largest verification-result answer read by default. Results carry the best frame and up to two videos in
 * base64 (several MB each); 48 MiB leaves room for those while a runaway or hostile upstream cannot grow the
 * process by more than that per call.
 */
export const DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES = 48 * 1024 * 1024;
/** Largest token answer read: a token answer is a few hundred bytes (SdkToken, RequestId), never 64 KiB. */
export const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;
const TOKEN_ACTIONS: ReadonlySet<FaceIdActionName> = new Set([FaceIdAction.GetFaceIdTokenIntl, FaceIdAction.ApplySdkVerificationToken]);

/** How long a caller refused for the memory that answers hold is asked to wait: held answers are sent within seconds. */
const HELD_ANSWER_RETRY_AFTER_SECONDS = 1;

/**
 * The least a caller whose call ran out of time in the queue is asked to wait; it is told the wait its next request
 * would have, when that is longer (the queue was full of other callers' turns, and still is).
 */
const QUEUE_DEADLINE_RETRY_AFTER_SECONDS = 1;

/** Default retry policy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 2000 };

/** Creates the client: one got instance, one throttle per action. */
export function createFaceIdClient(options: FaceIdClientOptions): FaceIdClient {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { logger, credentials, observer } = options;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_UPSTREAM_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
    throw new TypeError(`Expected \`maxResponseBytes\` to be a positive whole number, got ${maxResponseBytes}`);
  }
  // An oversized answer will be oversized again: failures in here are not worth another attempt.
  const notWorthRetrying = new WeakSet<GatewayError>();
  const endpoint = new URL(options.endpoint);
  // The Host header carries the port; the signature never does (Tencent signs URL.hostname).
  const signedHost = endpoint.hostname;

  const throttles = Object.fromEntries(
    FACEID_ACTIONS.map((action) => [
      action,
      createActionThrottle({
        action,
        limit: options.rateLimitPerSecond,
        maxQueueWaitMs: options.maxQueueWaitMs,
        ...options.throttle,
        takeSharedSlot:
          options.sharedBudget && ((candidates, limit, windowMs, maxGrants) => options.sharedBudget!.take(action, candidates, limit, windowMs, maxGrants)),
        onRefused: (reason) => observer?.rejected?.(action, reason),
      }),
    ]),
  ) as Record<FaceIdActionName, ActionThrottle>;

  const signingKeyFor = createDailySigningKey(credentials.secretKey, FACEID_SERVICE);

  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const base: Got = got.extend({
    method: 'POST',
    agent: agents,
    headers: {
      'content-type': FACEID_CONTENT_TYPE,
      'x-tc-version': FACEID_API_VERSION,
      'x-tc-region': options.region,
      ...(options.language ? { 'x-tc-language': options.language } : {}),
      ...(credentials.sessionToken ? { 'x-tc-token': credentials.sessionToken } : {}),
      'user-agent': 'faceid-gateway',
    },
    timeout: { request: options.attemptTimeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    // No Accept-Encoding and no inflating: the size bound counts the bytes that arrive, and a compressed answer
    // could inflate far past them. Tencent's JSON answers are small enough to travel uncompressed.
    decompress: false,
    responseType: 'text',
    hooks: {
      beforeRequest: [
        clearUnusedCacheOptions,
        (request) => {
          const timestamp = Math.floor(now() / 1000);
          const authorization = authorizationOf(
            {
              secretId: credentials.secretId,
              service: FACEID_SERVICE,
              host: signedHost,
              contentType: FACEID_CONTENT_TYPE,
              payload: request.body as Buffer,
              timestamp,
            },
            signingKeyFor(utcDateOf(timestamp)),
          );
          request.headers['x-tc-timestamp'] = String(timestamp);
          request.headers.authorization = authorization;
        },
      ],
    },
  });
  // Everything but the body and the signal is fixed per action: merged once here, not on every call (got
  // validates and merges each option it is given per request).
  const perAction = Object.fromEntries(
    FACEID_ACTIONS.map((action) => [action, base.extend({ headers: { 'x-tc-action': action } })]),
  ) as Record<FaceIdActionName, Got>;

  /** One attempt; resolves with the answer or the gateway error it amounts to. */
  async function sendOnce<T extends object>(
    action: FaceIdActionName,
    body: Buffer,
    holdAnswer: CallOptions['holdAnswer'],
    signal: AbortSignal,
    slot: UpstreamSlot,
    read: AnswerReader<T>,
    sentAt: number,
  ): Promise<T | GatewayError> {
    let oversized = false;
    // Whether the answer's declared length was taken from the memory budget (holdAnswer), or refused by it.
    let held = false;
    let refusedForMemory = false;
    const limit = TOKEN_ACTIONS.has(action) ? Math.min(MAX_TOKEN_ANSWER_BYTES, maxResponseBytes) : maxResponseBytes;
    const heldAnswersFull = () => {
      const failure = new RateLimitedError(
        `The gateway is holding as many large answers as it may at once (HTTP_MAX_HELD_BODY_BYTES); Tencent's answer to ${action} was dropped. Retry in a moment.`,
        { action, retryAfterSeconds: HELD_ANSWER_RETRY_AFTER_SECONDS },
      );
      notWorthRetrying.add(failure);
      return failure;
    };
    try {
      const request = perAction[action](endpoint, { body, signal });
      // The throttle counts from when the bytes left, not from when the slot was granted.
      request.on('request', (clientRequest) => clientRequest.once('finish', () => slot.markSent()));
      // got buffers the answer: stop it as soon as it declares, or has sent, more than the bound, so at most the
      // bound plus one chunk is ever held.
      const abandonOversized = (bytes: number) => {
        if (bytes <= limit || oversized) return;
        oversized = true;
        request.cancel();
      };
      request.on('response', (response: { headers: Record<string, string | string[] | undefined> }) => {
        const declared = Number(response.headers['content-length'] ?? Number.NaN);
        abandonOversized(declared || 0);
        // Taken before the answer is read, when its length is declared (Tencent's are), so that answers arriving
        // together are bounded by the budget too, not only those waiting to be sent on.
        if (!holdAnswer || oversized || !Number.isSafeInteger(declared)) return;
        held = true;
        if (holdAnswer(declared)) return;
        refusedForMemory = true;
        request.cancel();
      });
      request.on('downloadProgress', ({ transferred }) => abandonOversized(transferred));
      const response = await request;
      // got may finish reading an answer it was asked to cancel: refused is refused.
      if (refusedForMemory) return heldAnswersFull();
      if (response.statusCode !== 200) {
        return new UpstreamUnavailableError(`Tencent Cloud answered ${action} with HTTP ${response.statusCode}.`, { action });
      }
      if (holdAnswer && !held && !holdAnswer(response.rawBody.length)) return heldAnswersFull();
      const envelope = parseResponseEnvelope(response.body);
      switch (envelope.kind) {
        case 'response': {
          const answer = read(envelope, sentAt);
          if (!isUnreadableResult(answer)) return answer;
          return new UpstreamUnavailableError(`Tencent Cloud's answer to ${action} could not be read: ${answer.unreadable}.`, {
            action,
            requestId: envelope.requestId,
          });
        }
        case 'error':
          return tencentErrorToGatewayError(action, envelope);
        case 'unparsable':
          return new UpstreamUnavailableError(`Tencent Cloud's answer to ${action} could not be read: ${envelope.reason}.`, {
            action,
            requestId: envelope.requestId,
          });
      }
    } catch (error) {
      // The caller left or the deadline passed: surface the signal's own reason (an AbortError/TimeoutError
      // DOMException), not got's wrapper, which carries the request options.
      if (signal.aborted) throw signal.reason;
      if (refusedForMemory) return heldAnswersFull();
      if (oversized) {
        const failure = new UpstreamUnavailableError(`Tencent Cloud's answer to ${action} is larger than ${limit} bytes; it was abandoned unread.`, {
          action,
        });
        notWorthRetrying.add(failure);
        return failure;
      }
      if (error instanceof TimeoutError) {
        return new UpstreamUnavailableError(
          `Tencent Cloud did not answer ${action} within ${options.attemptTimeoutMs} ms.`,
          { action, cause: error },
        );
      }
      if (error instanceof RequestError) {
        return new UpstreamUnavailableError(`Tencent Cloud could not be reached for ${action} (${error.code}).`, {
          action,
          cause: error,
        });
      }
      throw error;
    }
  }

  function backoffMs(retry: number, error: GatewayError): number {
    if (error instanceof RateLimitedError) {
      // Tencent's window is one second; wait most of one, jittered so queued retries do not land together.
      return error.retryAfterSeconds * 1000 * (0.5 + random() / 2);
    }
    const ceiling = Math.min(options.retry.maxDelayMs, options.retry.baseDelayMs * 2 ** retry);
    return ceiling * random();
  }

  async function call<T extends { requestId: string }>(
    action: FaceIdActionName,
    payload: WirePayload,
    callOptions: CallOptions,
    read: AnswerReader<T>,
  ): Promise<{ answer: T; sentAt: number }> {
    // One controller and one timer per call, aborted by the deadline or by the caller leaving: cheaper than
    // AbortSignal.timeout + AbortSignal.any on every request, and both are released as soon as the call ends.
    const controller = new AbortController();
    const signal = controller.signal;
    const deadline = setTimeout(() => controller.abort(new DOMException('The FaceID call deadline passed.', 'TimeoutError')), options.totalTimeoutMs);
    const callerSignal = callOptions.signal;
    const onCallerGone = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) onCallerGone();
    else callerSignal?.addEventListener('abort', onCallerGone, { once: true });
    try {
      return await attempts(action, payload, callOptions, read, signal, () => signal.aborted && !callerSignal?.aborted);
    } finally {
      clearTimeout(deadline);
      callerSignal?.removeEventListener('abort', onCallerGone);
    }
  }

  async function attempts<T extends { requestId: string }>(
    action: FaceIdActionName,
    payload: WirePayload,
    callOptions: CallOptions,
    read: AnswerReader<T>,
    signal: AbortSignal,
    deadlinePassed: () => boolean,
  ): Promise<{ answer: T; sentAt: number }> {
    const startedAt = now();
    const throttle = throttles[action];
    const callerId = callOptions.callerId ?? UNNAMED_CALLER;
    // Tencent's answer to a timestamp over 5 minutes off: one more attempt, signed again with a fresh timestamp, as
    // Tencent asks ("sign again; alert if repeated"), whatever the retry policy; a second one is the operator's clock.
    let resignedForSkew = false;
    // Serialized once, so the signed bytes are the sent bytes on every attempt, and only once a slot is granted:
    // a call waiting in the queue holds no copy of its payload (an image is up to 8 MiB), and the copy it sends is
    // a Buffer, outside the V8 heap.
    let body: Buffer | undefined;

    // Whether any attempt was sent: a deadline that passes before one was is the queue's doing, not Tencent's.
    let sent = false;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const waitStartedAt = now();
        const slot = await throttle.acquire(callerId, signal);
        const sentAt = now();
        sent = true;
        let outcome: T | GatewayError;
        try {
          observer?.throttleWait?.(action, (sentAt - waitStartedAt) / 1000);
          body ??= Buffer.from(JSON.stringify(payload));
          outcome = await sendOnce(action, body, callOptions.holdAnswer, signal, slot, read, sentAt);
        } finally {
          // However the attempt ended: a request that never reported leaving (refused early, cut off mid-upload)
          // counts as having left now, so the throttle's send-time rule never waits on it.
          slot.release();
        }
        observer?.upstreamAttempt?.(action, outcome instanceof GatewayError ? outcome.code : 'OK', (now() - sentAt) / 1000);
        if (!(outcome instanceof GatewayError)) {
          // Ids and timing only: tokens and results (personal data) never reach a log line.
          logger.debug({ action, attempt, requestId: outcome.requestId, ms: now() - startedAt }, 'faceid call answered');
          return { answer: outcome, sentAt };
        }
        const skewedOnce = outcome.tencentCode === SIGNATURE_EXPIRED_CODE && !resignedForSkew;
        logUpstreamFailure(action, attempt, outcome, skewedOnce ? 'warn' : undefined);
        if (skewedOnce) {
          resignedForSkew = true;
          continue;
        }
        const delay = backoffMs(attempt, outcome);
        const remaining = options.totalTimeoutMs - (now() - startedAt);
        if (!outcome.retryable || notWorthRetrying.has(outcome) || attempt >= options.retry.maxRetries || delay >= remaining) throw outcome;
        await sleep(delay, undefined, { signal });
      } catch (error) {
        if (deadlinePassed() && !sent) {
          // Never sent: callers who came after it took their turns first (or the shared budget gave none), and the
          // call ran out of time in the queue.
          throw new RateLimitedError(`The call to ${action} waited ${options.totalTimeoutMs} ms in the gateway's queue without a turn; retry in a moment.`, {
            action,
            cause: error,
            retryAfterSeconds: Math.max(QUEUE_DEADLINE_RETRY_AFTER_SECONDS, throttle.expectedWaitMs(callerId) / 1000),
          });
        }
        if (deadlinePassed()) {
          throw new UpstreamUnavailableError(`Tencent Cloud did not answer ${action} within ${options.totalTimeoutMs} ms.`, {
            action,
            cause: error,
          });
        }
        throw error;
      }
    }
  }

  function logUpstreamFailure(action: string, attempt: number, error: GatewayError, levelOverride?: 'warn'): void {
    // error.message may hold Tencent's text (kept out of responses for misconfiguration); it never holds a
    // secret, a header or image bytes.
    // Misconfiguration needs the operator; the caller's own mistakes (its input, a token Tencent does not know or
    // no longer keeps) are the caller's, logged at info so that a caller cannot fill the warnings; everything else
    // is the weather (a first clock-skew refusal too).
    const level = levelOverride ?? (error instanceof UpstreamMisconfiguredError ? 'error' : CALLER_MISTAKES.has(error.code) ? 'info' : 'warn');
    logger[level](
      { action, attempt, code: error.code, tencentCode: error.tencentCode, requestId: error.requestId, retryable: error.retryable },
      error.message,
    );
  }

  return {
    throttles,
    async getSelfieToken(request, callOptions = {}) {
      const valid = validateSelfieTokenRequest(request);
      const { answer, sentAt } = await call(FaceIdAction.GetFaceIdTokenIntl, toGetFaceIdTokenIntlPayload(valid), callOptions, readToken);
      return { ...answer, expiresAt: new Date(sentAt + SELFIE_TOKEN_TTL_SECONDS * 1000) };
    },
    async applyEkycToken(request, callOptions = {}) {
      const valid = validateEkycTokenRequest(request);
      const payload = toApplySdkVerificationTokenPayload(valid);
      const { answer, sentAt } = await call(FaceIdAction.ApplySdkVerificationToken, payload, callOptions, readToken);
      return { ...answer, expiresAt: new Date(sentAt + EKYC_TOKEN_TTL_SECONDS * 1000) };
    },
    async getSelfieResult(sdkToken, callOptions = {}) {
      const token = validateSdkToken('sdkToken', sdkToken);
      const read: AnswerReader<SelfieVerificationResult> = ({ response, requestId }) => readSelfieResult(token, requestId, response);
      return (await call(FaceIdAction.GetFaceIdResultIntl, toResultPayload(token), callOptions, read)).answer;
    },
    async getEkycResult(sdkToken, callOptions = {}) {
      const token = validateSdkToken('sdkToken', sdkToken);
      const read: AnswerReader<EkycVerificationResult> = ({ response, requestId }, sentAt) => readEkycResult(token, requestId, response, sentAt);
      return (await call(FaceIdAction.GetSdkVerificationResult, toResultPayload(token), callOptions, read)).answer;
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
