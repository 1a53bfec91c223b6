/**
 * Keeps every GraphQL error the gateway answers inside the documented contract (errors.ts): a known
 * `extensions.code`, its `retryable` flag, and its HTTP status. The gateway's own refusals are built that way;
 * these plugins cover the errors graphql-js and yoga raise on their own.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERROR_CODES, httpExtension, isErrorCode, refusal, type ErrorCode } from './errors.js';

/**
 * Variables that do not fit the schema (an unknown enum value, a string for an Int, a missing required field)
 * stop execution before any resolver runs: the result then has errors and no `data`. graphql-js gives those
 * errors no code; they are the caller's input, so they get the same BAD_USER_INPUT contract as ours.
 */
export function useVariableErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length || 'data' in result) return;
          setResult({
            ...result,
            errors: result.errors.map((error) =>
              refusal('BAD_USER_INPUT', error.message, { nodes: error.nodes, extensions: { ...error.extensions } }),
            ),
          });
        },
      };
    },
  };
}

/**
 * A caller that hangs up aborts the execution (yoga cancels it), and its pending fields fail with an AbortError.
 * That is an outcome for the request log, not a bug: give it a code before the error masking would log it.
 */
export function useClientClosedRequests(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.some((error) => error.originalError?.name === 'AbortError')) return;
          setResult({
            ...result,
            errors: result.errors.map((error) =>
              error.originalError?.name === 'AbortError'
                ? new GraphQLError('The client closed the request before the operation finished.', {
                    nodes: error.nodes,
                    path: error.path,
                    extensions: { code: 'CLIENT_CLOSED_REQUEST', retryable: true, http: httpExtension('CLIENT_CLOSED_REQUEST') },
                  })
                : error,
            ),
          });
        },
      };
    },
  };
}

/** The code of an error yoga or graphql-js raised without one of ours, told by its status and origin. */
function inferCode(error: GraphQLError): ErrorCode {
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (status === 413) return 'REQUEST_ENTITY_TOO_LARGE';
  if (status === 405 || (status !== undefined && status >= 400 && status < 500)) return 'BAD_REQUEST';
  if (error.message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  if (error.nodes?.length || error.locations?.length) return 'GRAPHQL_VALIDATION_FAILED';
  return 'INTERNAL_SERVER_ERROR';
}

/**
 * The same error with a documented code, its retry flag and, when yoga set a status, the code's `spec` flag (so
 * yoga's own errors follow the same status rule as ours); unchanged when it has code and flag.
 */
export function withDocumentedCode(error: GraphQLError): GraphQLError {
  const current = error.extensions?.code;
  if (isErrorCode(current) && typeof error.extensions.retryable === 'boolean') return error;
  const code = isErrorCode(current) ? current : inferCode(error);
  const http = error.extensions?.http as Record<string, unknown> | undefined;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: {
      ...error.extensions,
      code,
      retryable: ERROR_CODES[code].retryable,
      // Without a status yoga answers 500 when there is no data (a masked bug) and 200 otherwise: left as is.
      ...(http ? { http: { ...http, spec: ERROR_CODES[code].answersJsonWith200 } } : {}),
    },
  });
}

/** Gives every error of every result a documented code and `retryable` (yoga's 413, 405, parse errors …). */
export function useErrorContract(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Symbol.asyncIterator in result) return;
      const withCodes = (item: ExecutionResult): ExecutionResult =>
        item.errors?.length ? { ...item, errors: item.errors.map((error: GraphQLError) => withDocumentedCode(error)) } : item;
      setResult(Array.isArray(result) ? result.map(withCodes) : withCodes(result));
    },
  };
}
