/**
 * One JSON log line per GraphQL request — request id, caller, operation, Tencent RequestIds, duration, HTTP
 * status and outcome code — and the request metrics. Nothing of the request body, its variables or the token
 * minted is logged: images and SDK tokens travel in those.
 */
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { RequestTrace } from '../context.js';
import type { GatewayMetrics } from './metrics.js';
import { KNOWN_OPERATION_NAMES } from './operation-names.js';

/** Header carrying the request id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

interface RequestRecord {
  trace: RequestTrace;
  startedAt: number;
  operation: string;
  callerId: string;
  outcome: string;
}

/** Follows each request from arrival to response; the context reads its trace from here. */
export interface RequestTracker {
  /** The trace of a request being served (created on first use). */
  traceOf(request: Request): RequestTrace;
  /** Records who the caller turned out to be. */
  setCaller(request: Request, callerId: string): void;
  plugin: Plugin;
}

/**
 * Longest client-chosen text (an operation name, a JWT subject) a log line carries; longer values are cut and
 * marked with `…`. A log line stays small whatever a request sends.
 */
export const MAX_LOGGED_CLIENT_TEXT = 64;

/**
 * Control and format characters: JSON escapes the first kind but not the second, whose bidirectional overrides
 * (U+202E) and invisible characters make a log line read other than it is, in a terminal or a log viewer.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}]/gu;

/** `text`, cut to MAX_LOGGED_CLIENT_TEXT characters, its control and format characters shown as U+FFFD. */
export function clipClientText(text: string): string {
  const clipped = text.length <= MAX_LOGGED_CLIENT_TEXT ? text : `${text.slice(0, MAX_LOGGED_CLIENT_TEXT)}…`;
  return clipped.replace(UNPRINTABLE, '\uFFFD');
}

/** Only this much of a query is searched for its operation name: the name comes first in any sane document. */
const OPERATION_NAME_SCAN_CHARS = 1024;

/** The operation's name as the client gave it (cut for logging), or `anonymous`. */
function operationNameOf(params: { operationName?: string | null; query?: string | null }): string {
  if (typeof params.operationName === 'string' && params.operationName !== '') return clipClientText(params.operationName);
  const head = typeof params.query === 'string' ? params.query.slice(0, OPERATION_NAME_SCAN_CHARS) : '';
  const named = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(head);
  return named?.[1] ? clipClientText(named[1]) : 'anonymous';
}

/**
 * The metric label of an operation: its name when the gateway knows it (the committed client operations),
 * `anonymous`, or `other`. Labels come from a fixed set, so a client cannot grow /metrics.
 */
export function operationLabelOf(operation: string): string {
  return operation === 'anonymous' || KNOWN_OPERATION_NAMES.has(operation) ? operation : 'other';
}

/** The first error's code, or why the request was refused when there is no GraphQL error to read. */
function outcomeOf(errors: readonly GraphQLError[] | undefined): string {
  if (!errors?.length) return 'OK';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** Local refusals that the FaceID client does not count itself. */
function rejectionReasonOf(outcome: string, status: number, tencentRequestIds: readonly string[]): string | undefined {
  if (outcome === 'UNAUTHENTICATED') return 'unauthenticated';
  if (outcome === 'FORBIDDEN') return 'forbidden';
  if (status === 413) return 'body_too_large';
  if (outcome.startsWith('PERSISTED_QUERY_')) return 'not_a_persisted_operation';
  if (outcome === 'BAD_USER_INPUT' && tencentRequestIds.length === 0) return 'invalid_input';
  if (outcome === 'CSRF_PREVENTED') return 'csrf';
  return undefined;
}

/** Creates the tracker and its yoga plugin. */
export function createRequestTracker(options: { logger: Logger; metrics: GatewayMetrics; probePaths: ReadonlySet<string> }): RequestTracker {
  const { metrics, probePaths } = options;
  // The request line's fields are named below and hold only values built here (ids, the clipped caller id, the
  // operation's name, Tencent's RequestIds, numbers, codes): no redacted path can occur in it, so pino's redaction,
  // which clones and walks every line (about a third of a minted token's log cost), is skipped for this one line.
  // Every other line keeps it; the redaction tests read this line as well.
  const logger = options.logger.child({}, { redact: { paths: [] } });
  const records = new WeakMap<Request, RequestRecord>();

  function recordOf(request: Request): RequestRecord {
    let record = records.get(request);
    if (!record) {
      const incoming = request.headers.get(REQUEST_ID_HEADER);
      record = {
        trace: { requestId: incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID(), tencentRequestIds: [] },
        startedAt: performance.now(),
        operation: 'unknown',
        callerId: 'unknown',
        outcome: 'OK',
      };
      records.set(request, record);
    }
    return record;
  }

  return {
    traceOf: (request) => recordOf(request).trace,
    setCaller(request, callerId) {
      recordOf(request).callerId = callerId;
    },
    plugin: {
      // Every request but the probes': yoga also serves GraphQL on other spellings of its path (`/graphql/`,
      // `//graphql`), and a refusal there (a body too large, CSRF) must be logged and counted like any other.
      onRequest({ request, url }) {
        if (!probePaths.has(url.pathname)) recordOf(request);
      },
      onParams({ params, request }) {
        recordOf(request).operation = operationNameOf(params);
      },
      onResultProcess({ request, result }) {
        const record = records.get(request);
        if (!record) return;
        const results = Array.isArray(result) ? result : [result];
        const errors = results.flatMap((item) => ('errors' in item && item.errors ? item.errors : [])) as GraphQLError[];
        record.outcome = outcomeOf(errors);
      },
      onResponse({ request, response }) {
        const record = records.get(request);
        if (!record) return;
        response.headers.set(REQUEST_ID_HEADER, record.trace.requestId);
        const status = response.status;
        const outcome = record.outcome === 'OK' && status >= 400 ? `HTTP_${status}` : record.outcome;
        metrics.countRequest(operationLabelOf(record.operation), outcome);
        const reason = rejectionReasonOf(outcome, status, record.trace.tencentRequestIds);
        if (reason) metrics.countRejection(reason);
        logger.info(
          {
            requestId: record.trace.requestId,
            caller: clipClientText(record.callerId),
            operation: record.operation,
            tencentRequestIds: record.trace.tencentRequestIds,
            durationMs: Math.round((performance.now() - record.startedAt) * 10) / 10,
            status,
            outcome,
          },
          'request',
        );
      },
    },
  };
}
