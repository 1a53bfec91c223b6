/**
 * Every error code a client can see, defined once, and the gateway's named errors.
 *
 * ERROR_CODES is the contract: each code fixes its HTTP status and whether a retry can help. Every GraphQL error
 * the gateway answers carries one of these codes in `extensions.code` with its `retryable` flag (the error-contract
 * plugin fills in the ones that yoga or graphql-js raise without them). Upstream failures are GatewayError
 * subclasses; request-level refusals are built with `refusal()`. Anything else is a bug and stays masked by yoga.
 */
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';

/** What one code means for a client: the HTTP status it is sent with, and whether retrying can help. */
export interface ErrorCodeContract {
  /** The status sent to a client that accepts `application/graphql-response+json`. */
  status: number;
  retryable: boolean;
  /**
   * A client that accepts only `application/json` (or `*` or nothing) gets this code with status 200, the error in
   * the body: true for every answer to a well-formed GraphQL request (a JSON body with a query, or a GET query), as
   * GraphQL over HTTP asks, because such clients (Apollo Client, Apollo Gateway) take any other status for a
   * network failure and drop the body. False for refusals of the HTTP request itself, which keep their status for
   * every client; for CLIENT_CLOSED_REQUEST, whose 499 nobody receives and the request log records; and for
   * INTERNAL_SERVER_ERROR, a bug in the gateway rather than an answer to the request.
   */
  answersJsonWith200: boolean;
}

/** Every documented `extensions.code`, with its status and retry flag. The README's error table lists the same. */
export const ERROR_CODES = {
  // The operation's input: the gateway's validation, a value that does not fit the schema, or Tencent's refusal.
  BAD_USER_INPUT: { status: 400, retryable: false, answersJsonWith200: true },
  RATE_LIMITED: { status: 429, retryable: true, answersJsonWith200: true },
  UPSTREAM_UNAVAILABLE: { status: 503, retryable: true, answersJsonWith200: true },
  UPSTREAM_MISCONFIGURED: { status: 500, retryable: false, answersJsonWith200: true },
  UPSTREAM_FAILED: { status: 502, retryable: false, answersJsonWith200: true },
  UNAUTHENTICATED: { status: 401, retryable: false, answersJsonWith200: true },
  FORBIDDEN: { status: 403, retryable: false, answersJsonWith200: true },
  // The HTTP request itself: not JSON, a wrong method, unknown parameters.
  BAD_REQUEST: { status: 400, retryable: false, answersJsonWith200: false },
  REQUEST_ENTITY_TOO_LARGE: { status: 413, retryable: false, answersJsonWith200: false },
  CSRF_PREVENTED: { status: 403, retryable: false, answersJsonWith200: false },
  NOT_ACCEPTABLE: { status: 406, retryable: false, answersJsonWith200: false },
  // The GraphQL document: too large to parse, not GraphQL, invalid for this schema, or over the operation limits.
  DOCUMENT_TOO_LARGE: { status: 400, retryable: false, answersJsonWith200: true },
  GRAPHQL_PARSE_FAILED: { status: 400, retryable: false, answersJsonWith200: true },
  GRAPHQL_VALIDATION_FAILED: { status: 400, retryable: false, answersJsonWith200: true },
  OPERATION_LIMIT_EXCEEDED: { status: 400, retryable: false, answersJsonWith200: true },
  PERSISTED_QUERY_NOT_IN_LIST: { status: 400, retryable: false, answersJsonWith200: true },
  PERSISTED_QUERY_ONLY: { status: 400, retryable: false, answersJsonWith200: true },
  PERSISTED_QUERY_ID_REQUIRED: { status: 400, retryable: false, answersJsonWith200: true },
  // The HTTP method cannot carry this operation (a result query over GET): not a well-formed request for it.
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, answersJsonWith200: false },
  // A verification result asked for an SDK token Tencent never issued for that check, or no longer keeps.
  SDK_TOKEN_UNKNOWN: { status: 404, retryable: false, answersJsonWith200: true },
  SDK_TOKEN_EXPIRED: { status: 410, retryable: false, answersJsonWith200: true },
  // Outcomes that are not the caller's fault.
  CLIENT_CLOSED_REQUEST: { status: 499, retryable: true, answersJsonWith200: false },
  INTERNAL_SERVER_ERROR: { status: 500, retryable: false, answersJsonWith200: false },
} as const satisfies Record<string, ErrorCodeContract>;

/** Any documented `extensions.code`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string is a documented code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The codes of upstream calls, each one a GatewayError subclass below. */
export type GatewayErrorCode = Extract<
  ErrorCode,
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_MISCONFIGURED'
  | 'UPSTREAM_FAILED'
  | 'SDK_TOKEN_UNKNOWN'
  | 'SDK_TOKEN_EXPIRED'
>;

/** What a request-level refusal may add to its code and message. */
export interface RefusalOptions {
  /** The document nodes at fault (their locations are reported). */
  nodes?: GraphQLErrorOptions['nodes'];
  /** The response path of the field that failed; graphql-js then reports the error as it is, without a wrapper. */
  path?: GraphQLErrorOptions['path'];
  /** Response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Documented extensions beyond `code` and `retryable` (e.g. `field`). */
  extensions?: Record<string, unknown>;
}

/** Yoga's `extensions.http` for a code: the status, the headers, and `spec` (yoga's flag for 200 to `application/json` clients). */
export function httpExtension(code: ErrorCode, headers: Record<string, string> = {}): { status: number; headers: Record<string, string>; spec: boolean } {
  const { status, answersJsonWith200 } = ERROR_CODES[code];
  return { status, headers, spec: answersJsonWith200 };
}

/**
 * A refusal with a documented code: `extensions.code`, its `retryable` flag, and `extensions.http` (read by yoga
 * for the status and headers, then stripped from the body; headers are sent whatever the status).
 */
export function refusal(code: ErrorCode, message: string, options: RefusalOptions = {}): GraphQLError {
  const { retryable } = ERROR_CODES[code];
  // A refusal is an answer, not a bug: nobody reads where it was thrown, and capturing the stack (which yoga then
  // formats to copy it) was the largest single cost of refusing a request. Its stack is the message alone.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(message, {
      nodes: options.nodes,
      path: options.path,
      extensions: { code, retryable, ...options.extensions, http: httpExtension(code, options.headers) },
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

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
  /** Whether a retry can help: fixed by the code (ERROR_CODES). */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
  /** HTTP status of the GraphQL response carrying this error: fixed by the code (ERROR_CODES). */
  get httpStatus(): number {
    return ERROR_CODES[this.code].status;
  }
  readonly action: string | undefined;
  readonly tencentCode: string | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, context: GatewayErrorContext = {}) {
    // An expected outcome (a refusal, Tencent's answer), never a bug: nobody reads where it was thrown, and under a
    // flood of RATE_LIMITED the stack capture was among the largest costs of refusing. `cause` keeps its own stack.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, context.cause === undefined ? undefined : { cause: context.cause });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
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
  readonly code = 'BAD_USER_INPUT' as const;
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
  readonly code = 'RATE_LIMITED' as const;
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
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
}

/**
 * Tencent refused the gateway's credentials, account or configuration. The caller can do nothing about it, so
 * the client sees a generic message; Tencent's own text goes to the server log only.
 */
export class UpstreamMisconfiguredError extends GatewayError {
  override readonly name = 'UpstreamMisconfiguredError';
  readonly code = 'UPSTREAM_MISCONFIGURED' as const;

  override get publicMessage(): string {
    return 'The gateway is misconfigured for Tencent Cloud FaceID; the operator has been notified in the server log.';
  }
}

/** Tencent answered with a business failure or a code the gateway does not classify. */
export class UpstreamFailedError extends GatewayError {
  override readonly name = 'UpstreamFailedError';
  readonly code = 'UPSTREAM_FAILED' as const;
}

/**
 * A result was asked for an SDK token Tencent never issued, or issued for the other kind of verification (a
 * selfie token read as an eKYC result, or the reverse). Tencent `InvalidParameterValue.BizTokenIllegal`.
 */
export class SdkTokenUnknownError extends GatewayError {
  override readonly name = 'SdkTokenUnknownError';
  readonly code = 'SDK_TOKEN_UNKNOWN' as const;
}

/**
 * A result was asked for an SDK token whose result Tencent no longer keeps: 72 hours after a selfie token was
 * minted, 3 days after an eKYC token. Tencent `InvalidParameterValue.BizTokenExpired`.
 */
export class SdkTokenExpiredError extends GatewayError {
  override readonly name = 'SdkTokenExpiredError';
  readonly code = 'SDK_TOKEN_EXPIRED' as const;
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
export function toGraphQLError(error: GatewayError, where: Pick<RefusalOptions, 'nodes' | 'path'> = {}): GraphQLError {
  const { code, retryable, ...extensions } = gatewayErrorExtensions(error);
  return refusal(error.code, error.publicMessage, {
    ...where,
    extensions,
    headers: error instanceof RateLimitedError ? { 'Retry-After': String(error.retryAfterSeconds) } : {},
  });
}

