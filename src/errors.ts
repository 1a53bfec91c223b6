/**
 * The gateway's few named errors and their mapping to GraphQL errors.
 *
 * Every failure a caller can see is one of seven codes (two of them only from the result fields); each error
 * class fixes its code, whether a retry can help, and the HTTP status. Anything that is not one of these classes
 * is a bug and stays masked by yoga.
 */
import { GraphQLError } from 'graphql';

/** The `extensions.code` values frontends code against. */
export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_MISCONFIGURED'
  | 'UPSTREAM_FAILED'
  | 'SDK_TOKEN_UNKNOWN'
  | 'SDK_TOKEN_EXPIRED';

/** Where a failure came from, for logs and for the errors that wrap a Tencent answer. */
export interface GatewayErrorContext {
  /** Tencent action involved, when the error concerns an upstream call. */
  action?: string;
  /** Tencent's error code (`Response.Error.Code`), when Tencent answered with one. */
  tencentCode?: string;
  /** Tencent's `RequestId`, when Tencent answered at all. */
  requestId?: string;
  cause?: unknown;
}

/** Base class of every expected failure. */
export abstract class GatewayError extends Error {
  abstract readonly code: GatewayErrorCode;
  abstract readonly retryable: boolean;
  /** HTTP status of the GraphQL response carrying this error. */
  abstract readonly httpStatus: number;
  readonly action: string | undefined;
  readonly tencentCode: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, context: GatewayErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.action = context.action;
    this.tencentCode = context.tencentCode;
    this.requestId = context.requestId;
  }

  /** The message a client may see; subclasses that must hide details override it. */
  get publicMessage(): string {
    return this.message;
  }
}

/** The request itself is wrong: our validation, or Tencent rejected its content. Never retryable as is. */
export class InvalidInputError extends GatewayError {
  override readonly name = 'InvalidInputError';
  readonly code = 'BAD_USER_INPUT';
  readonly retryable = false;
  readonly httpStatus = 400;
  /** Dotted path of the offending input field (`input.image`), when one field is at fault. */
  readonly field: string | undefined;

  constructor(message: string, context: GatewayErrorContext & { field?: string } = {}) {
    super(message, context);
    this.field = context.field;
  }
}

/** Too many requests: the local queue bound, or Tencent's frequency limit. Retry after `retryAfterSeconds`. */
export class RateLimitedError extends GatewayError {
  override readonly name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
  readonly retryable = true;
  readonly httpStatus = 429;
  /** Whole seconds after which a retry is expected to be admitted (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(message: string, context: GatewayErrorContext & { retryAfterSeconds: number }) {
    super(message, context);
    this.retryAfterSeconds = Math.max(1, Math.ceil(context.retryAfterSeconds));
  }
}

/** Tencent could not be reached or answered in a way that may be transient. */
export class UpstreamUnavailableError extends GatewayError {
  override readonly name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE';
  readonly retryable = true;
  readonly httpStatus = 503;
}

/**
 * Tencent refused the gateway's credentials, account or configuration. The caller can do nothing about it, so
 * the client sees a generic message; Tencent's own text goes to the server log only.
 */
export class UpstreamMisconfiguredError extends GatewayError {
  override readonly name = 'UpstreamMisconfiguredError';
  readonly code = 'UPSTREAM_MISCONFIGURED';
  readonly retryable = false;
  readonly httpStatus = 500;

  override get publicMessage(): string {
    return 'The gateway is misconfigured for Tencent Cloud FaceID; the operator has been notified in the server log.';
  }
}

/** Tencent answered with a business failure or a code the gateway does not classify. */
export class UpstreamFailedError extends GatewayError {
  override readonly name = 'UpstreamFailedError';
  readonly code = 'UPSTREAM_FAILED';
  readonly retryable = false;
  readonly httpStatus = 502;
}

/**
 * A result was asked for an SDK token Tencent never issued, or issued for the other kind of verification (a
 * selfie token read as an eKYC result, or the reverse). Tencent `InvalidParameterValue.BizTokenIllegal`.
 */
export class SdkTokenUnknownError extends GatewayError {
  override readonly name = 'SdkTokenUnknownError';
  readonly code = 'SDK_TOKEN_UNKNOWN';
  readonly retryable = false;
  readonly httpStatus = 404;
}

/**
 * A result was asked for an SDK token whose result Tencent no longer keeps: 72 hours after a selfie token was
 * minted, 3 days after an eKYC token. Tencent `InvalidParameterValue.BizTokenExpired`.
 */
export class SdkTokenExpiredError extends GatewayError {
  override readonly name = 'SdkTokenExpiredError';
  readonly code = 'SDK_TOKEN_EXPIRED';
  readonly retryable = false;
  readonly httpStatus = 410;
}

/** Type guard for the gateway's expected errors. */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

/** The `extensions` object of a gateway error, exactly as documented in the README. */
export function gatewayErrorExtensions(error: GatewayError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: error.code, retryable: error.retryable };
  if (error instanceof InvalidInputError && error.field !== undefined) extensions.field = error.field;
  if (error.tencentCode !== undefined) extensions.tencentCode = error.tencentCode;
  if (error.requestId !== undefined) extensions.requestId = error.requestId;
  if (error instanceof RateLimitedError) extensions.retryAfter = error.retryAfterSeconds;
  return extensions;
}

/**
 * Turns a gateway error into the GraphQL error a client receives. `extensions.http` is read by yoga to set the
 * response status (and a `Retry-After` header) and is stripped from the body.
 */
export function toGraphQLError(error: GatewayError): GraphQLError {
  const headers: Record<string, string> = {};
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
  return new GraphQLError(error.publicMessage, {
    extensions: { ...gatewayErrorExtensions(error), http: { status: error.httpStatus, headers } },
  });
}

