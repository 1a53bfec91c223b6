/**
 * The FaceID upstream client. The data path reads top to bottom:
 * validate → serialize once → caller quota → (per attempt) throttle → sign → send → read the answer → retry or
 * map the error.
 *
 * Retries are this module's loop rather than got's: Tencent reports retryable failures (RequestLimitExceeded,
 * InternalError) inside HTTP 200 bodies, which got's retry cannot see, and every attempt must take its own
 * throttle slot. got still does what it is best at: one keep-alive agent, per-attempt timeouts, and a
 * `beforeRequest` hook that signs each attempt with a fresh timestamp.
 *
 * Retrying a token mint is safe: the actions are not idempotent, but a duplicate token is harmless — an unused
 * token expires on its own and only a completed verification is billed.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { RequestError, TimeoutError, type Got } from 'got';
import type { Logger } from 'pino';
import { GatewayError, RateLimitedError, UpstreamMisconfiguredError, UpstreamUnavailableError } from '../errors.js';
import { authorizationOf, deriveSigningKey, utcDateOf } from './tc3.js';
import type { CallerQuota } from './caller-quota.js';
import type { SharedBudget } from './shared-budget.js';
import { createActionThrottle, type ActionThrottle, type UpstreamSlot } from './throttle.js';
import {
  EKYC_TOKEN_TTL_SECONDS,
  SELFIE_TOKEN_TTL_SECONDS,
  validateEkycTokenRequest,
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
  parseTokenEnvelope,
  tencentErrorToGatewayError,
  toApplySdkVerificationTokenPayload,
  toGetFaceIdTokenIntlPayload,
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
  /** Limit of the whole call: queueing, every attempt and every backoff. */
  totalTimeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Per-caller share of each action's budget; none means callers are not told apart. */
  callerQuota?: CallerQuota | undefined;
  /** The budget shared with other replicas; none means this process owns the whole budget. */
  sharedBudget?: SharedBudget | undefined;
  /** Receives what the client measures (metrics). */
  observer?: FaceIdClientObserver | undefined;
}

/** Why a call was refused before reaching Tencent. */
export type RejectionReason = 'queue_full' | 'caller_quota';

/** What the client reports as it works; every method is optional. */
export interface FaceIdClientObserver {
  /** One upstream attempt ended: `outcome` is `OK` or the gateway error code it amounted to. */
  upstreamAttempt?(action: FaceIdActionName, outcome: string, seconds: number): void;
  /** A caller waited this long for a throttle slot. */
  throttleWait?(action: FaceIdActionName, seconds: number): void;
  /** A call was refused locally. */
  rejected?(action: FaceIdActionName, reason: RejectionReason): void;
}

/** A minted SDK token. */
export interface IssuedToken extends TokenAnswer {
  /** Conservative expiry: the token's lifetime counted from when the successful attempt was sent. */
  expiresAt: Date;
}

export interface CallOptions {
  /** Aborts the call when the caller goes away; a caller still queued then spends no slot. */
  signal?: AbortSignal | undefined;
  /** Who is calling, for the per-caller quota. */
  callerId?: string | undefined;
}

/** The gateway's view of Tencent FaceID. */
export interface FaceIdClient {
  getSelfieToken(request: SelfieTokenRequest, options?: CallOptions): Promise<IssuedToken>;
  applyEkycToken(request: EkycTokenRequest, options?: CallOptions): Promise<IssuedToken>;
  /** Per-action throttles, for observing queue depth. */
  readonly throttles: Readonly<Record<FaceIdActionName, ActionThrottle>>;
  /** Releases keep-alive sockets. */
  close(): void;
}

/** Default retry policy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 2000 };

/** Creates the client: one got instance, one throttle per action. */
export function createFaceIdClient(options: FaceIdClientOptions): FaceIdClient {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { logger, credentials, observer } = options;
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
        now,
        takeSharedSlot: options.sharedBudget && ((limit, windowMs) => options.sharedBudget!.tryTake(action, limit, windowMs)),
      }),
    ]),
  ) as Record<FaceIdActionName, ActionThrottle>;

  // TC3's signing key depends only on the secret, the service and the UTC date: derive it once a day, not per call.
  let signingKey: { date: string; key: Uint8Array } = { date: '', key: new Uint8Array() };
  const signingKeyFor = (date: string): Uint8Array => {
    if (signingKey.date !== date) signingKey = { date, key: deriveSigningKey(credentials.secretKey, date, FACEID_SERVICE).kSigning };
    return signingKey.key;
  };

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
    // Answers are a few hundred bytes of JSON: asking for them uncompressed spares a decompression stream per call.
    decompress: false,
    responseType: 'text',
    hooks: {
      beforeRequest: [
        (request) => {
          const timestamp = Math.floor(now() / 1000);
          const authorization = authorizationOf(
            {
              secretId: credentials.secretId,
              service: FACEID_SERVICE,
              host: signedHost,
              contentType: FACEID_CONTENT_TYPE,
              payload: request.body as string,
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

  /** One attempt; resolves with the token or the gateway error it amounts to. */
  async function sendOnce(
    action: FaceIdActionName,
    body: string,
    signal: AbortSignal,
    slot: UpstreamSlot,
  ): Promise<TokenAnswer | GatewayError> {
    try {
      const request = perAction[action](endpoint, { body, signal });
      // The throttle counts from when the bytes left, not from when the slot was granted.
      request.on('request', (clientRequest) => clientRequest.once('finish', () => slot.markSent(now())));
      const response = await request;
      if (response.statusCode !== 200) {
        return new UpstreamUnavailableError(`Tencent Cloud answered ${action} with HTTP ${response.statusCode}.`, { action });
      }
      const envelope = parseTokenEnvelope(response.body);
      switch (envelope.kind) {
        case 'token':
          return envelope.answer;
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

  async function call(action: FaceIdActionName, payload: WirePayload, ttlSeconds: number, callOptions: CallOptions) {
    const body = JSON.stringify(payload); // serialized once: the signed bytes are the sent bytes
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
      return await attempts(action, body, ttlSeconds, callOptions, signal, () => signal.aborted && !callerSignal?.aborted);
    } finally {
      clearTimeout(deadline);
      callerSignal?.removeEventListener('abort', onCallerGone);
    }
  }

  async function attempts(
    action: FaceIdActionName,
    body: string,
    ttlSeconds: number,
    callOptions: CallOptions,
    signal: AbortSignal,
    deadlinePassed: () => boolean,
  ): Promise<IssuedToken> {
    const startedAt = now();
    const throttle = throttles[action];
    if (options.callerQuota && callOptions.callerId !== undefined) {
      try {
        options.callerQuota.admit(callOptions.callerId, action);
      } catch (error) {
        observer?.rejected?.(action, 'caller_quota');
        throw error;
      }
    }

    for (let attempt = 0; ; attempt += 1) {
      try {
        const waitStartedAt = now();
        const slot = await throttle.acquire(signal).catch((error: unknown) => {
          if (error instanceof RateLimitedError) observer?.rejected?.(action, 'queue_full');
          throw error;
        });
        const sentAt = now();
        observer?.throttleWait?.(action, (sentAt - waitStartedAt) / 1000);
        const outcome = await sendOnce(action, body, signal, slot);
        observer?.upstreamAttempt?.(action, outcome instanceof GatewayError ? outcome.code : 'OK', (now() - sentAt) / 1000);
        if (!(outcome instanceof GatewayError)) {
          logger.debug({ action, attempt, requestId: outcome.requestId, ms: now() - startedAt }, 'faceid token issued');
          return { ...outcome, expiresAt: new Date(sentAt + ttlSeconds * 1000) };
        }
        logUpstreamFailure(action, attempt, outcome);
        const delay = backoffMs(attempt, outcome);
        const remaining = options.totalTimeoutMs - (now() - startedAt);
        if (!outcome.retryable || attempt >= options.retry.maxRetries || delay >= remaining) throw outcome;
        await sleep(delay, undefined, { signal });
      } catch (error) {
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

  function logUpstreamFailure(action: string, attempt: number, error: GatewayError): void {
    // error.message may hold Tencent's text (kept out of responses for misconfiguration); it never holds a
    // secret, a header or image bytes.
    // Misconfiguration needs the operator; everything else is the weather.
    const level = error instanceof UpstreamMisconfiguredError ? 'error' : 'warn';
    logger[level](
      { action, attempt, code: error.code, tencentCode: error.tencentCode, requestId: error.requestId, retryable: error.retryable },
      error.message,
    );
  }

  return {
    throttles,
    async getSelfieToken(request, callOptions = {}) {
      const valid = validateSelfieTokenRequest(request);
      return call(FaceIdAction.GetFaceIdTokenIntl, toGetFaceIdTokenIntlPayload(valid), SELFIE_TOKEN_TTL_SECONDS, callOptions);
    },
    async applyEkycToken(request, callOptions = {}) {
      const valid = validateEkycTokenRequest(request);
      return call(FaceIdAction.ApplySdkVerificationToken, toApplySdkVerificationTokenPayload(valid), EKYC_TOKEN_TTL_SECONDS, callOptions);
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
