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
              // Suggestions, if any, are removed later by the error contract when introspection is off.
              refusal('BAD_USER_INPUT', echoFreeMessage(error, { suggestions: true }), { nodes: error.nodes, extensions: { ...error.extensions } }),
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
  if (status !== undefined && status >= 400 && status < 500) return 'BAD_REQUEST';
  if (error.message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  // Raised while executing (it has a path): the document was valid, so no validation failed.
  if (error.path?.length) return 'INTERNAL_SERVER_ERROR';
  if (error.nodes?.length || error.locations?.length) return 'GRAPHQL_VALIDATION_FAILED';
  return 'INTERNAL_SERVER_ERROR';
}

/**
 * The extensions kept: the documented ones, and two that yoga reads and strips before answering: `http` (the
 * status and headers) and `unexpected` (a masked bug, answered 500 when there is no data). Anything else a library
 * adds (yoga's `originalError` quotes an unparsable body back) is dropped.
 */
const DOCUMENTED_EXTENSIONS: ReadonlySet<string> = new Set(['code', 'retryable', 'field', 'tencentCode', 'requestId', 'retryAfter', 'http', 'unexpected']);

function hasOnlyDocumentedExtensions(error: GraphQLError): boolean {
  return Object.keys(error.extensions ?? {}).every((key) => DOCUMENTED_EXTENSIONS.has(key));
}

/**
 * The same error with a documented code, its retry flag, only documented extensions and, when yoga set a status,
 * the code's `spec` flag (so yoga's own errors follow the same status rule as ours); unchanged when it already has
 * all of that.
 */
export function withDocumentedCode(error: GraphQLError): GraphQLError {
  const current = error.extensions?.code;
  if (isErrorCode(current) && typeof error.extensions.retryable === 'boolean' && hasOnlyDocumentedExtensions(error)) return error;
  const documented = Object.fromEntries(Object.entries(error.extensions ?? {}).filter(([key]) => DOCUMENTED_EXTENSIONS.has(key)));
  const http = error.extensions?.http as Record<string, unknown> | undefined;
  // One code per status: yoga calls its 405s (a mutation over GET, a method other than GET and POST) BAD_REQUEST,
  // while the gateway's own 405 is METHOD_NOT_ALLOWED; a client should not need the status to tell them apart.
  const code = http?.status === 405 ? 'METHOD_NOT_ALLOWED' : isErrorCode(current) ? current : inferCode(error);
  return withExtensions(error, {
    ...documented,
    code,
    retryable: ERROR_CODES[code].retryable,
    // Without a status yoga answers 500 when there is no data and an error is `unexpected` (a masked bug), and
    // 200 otherwise: a bug told by its code is flagged so, whatever yoga knew of it.
    ...(http ? { http: { ...http, ...statusOverride(code, http), spec: ERROR_CODES[code].answersJsonWith200 } } : {}),
    ...(!http && code === 'INTERNAL_SERVER_ERROR' ? { unexpected: true } : {}),
  });
}

/** The same error (message, location, path and cause) with `extensions` instead of its own. */
function withExtensions(error: GraphQLError, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

/**
 * 413 means a body too large, and only REQUEST_ENTITY_TOO_LARGE is sent with it. yoga sends its refusal of a batch
 * of more operations than GRAPHQL_BATCHING_LIMIT as 413 with code BAD_REQUEST; clients read 413 as "send less
 * data" (Apollo Client shows only the status), so it gets BAD_REQUEST's 400 like any other refused request.
 */
function statusOverride(code: ErrorCode, http: Record<string, unknown>): { status?: number } {
  return http.status === 413 && code !== 'REQUEST_ENTITY_TOO_LARGE' ? { status: ERROR_CODES[code].status } : {};
}

/** Longest quoted text (a name, most often) a message may repeat from the request; longer is replaced by `…`. */
export const MAX_QUOTED_TEXT_IN_MESSAGE = 64;

/** A name the client sent (an unknown input field), repeated only when it is a short GraphQL name. */
export function quotedName(name: string): string | undefined {
  return /^[_A-Za-z][_0-9A-Za-z]*$/.test(name) && name.length <= MAX_QUOTED_TEXT_IN_MESSAGE ? `"${name}"` : undefined;
}

/**
 * What is wrong with a value, in words that never include the value. graphql-js's scalar, enum and input-object
 * messages print the value they refuse (`String cannot represent a non string value: "<4 MB of base64>"`);
 * anything not recognised here becomes a generic sentence rather than risk an echo.
 */
export function describeValueProblem(message: string): string {
  // graphql-js's suggestions name schema values only; the strict pattern keeps anything else out.
  const suggestion = / Did you mean (?:the enum value )?"\w+"(?:(?:,| or|, or) "\w+")*\?$/.exec(message)?.[0] ?? '';
  const problem = describeWithoutSuggestion(message);
  return problem.endsWith('.') && !problem.startsWith('The value does not fit') ? `${problem}${suggestion}` : problem;
}

function describeWithoutSuggestion(message: string): string {
  let match: RegExpExecArray | null;
  if ((match = /^(Int|Float|String|Boolean|ID) cannot represent ([a-z0-9 -]+?): /s.exec(message))) return `${match[1]} cannot represent ${match[2]}.`;
  if ((match = /^Enum "(\w+)" cannot represent (non-string|non-enum) value: /s.exec(message))) return `Enum "${match[1]}" cannot represent a ${match[2]} value.`;
  if ((match = /^Value ".*" does not exist in "(\w+)" enum\./s.exec(message))) return `The value is not one of the values of enum "${match[1]}".`;
  if ((match = /^Field "(.*)" is not defined by type "(\w+)"\./s.exec(message))) {
    const name = quotedName(match[1]!);
    return name ? `Field ${name} is not defined by type "${match[2]}".` : `A field that type "${match[2]}" does not define was given.`;
  }
  if ((match = /^Expected type "(\w+)"\./.exec(message))) return `Expected type "${match[1]}".`;
  // Messages that name only schema types and fields.
  if (/^Expected type "[\w[\]!]+" to be an object\.$/.test(message)) return message;
  if (/^Field "\w+\.\w+" of required type "[\w[\]!]+" was not provided\.$/.test(message)) return message;
  if (/^Expected non-nullable type "[\w[\]!]+" not to be null\.$/.test(message)) return message;
  if (/^DateTime must be an ISO 8601 date-time string/.test(message)) return message;
  return 'The value does not fit its type.';
}

/** `message` without the inner message graphql-js appended after `; ` (the originalError's own message). */
function withoutInner(message: string, inner: string | undefined): { outer: string; inner: string | undefined } {
  if (inner !== undefined && message.endsWith(`; ${inner}`)) return { outer: message.slice(0, -inner.length - 2), inner };
  return { outer: message, inner: undefined };
}

/**
 * The error's message with no value from the request in it: coercion errors name the variable, the path and the
 * problem; literal-value errors name the expected type; long quoted text is cut; and, when `suggestions` is false
 * (introspection off), no "Did you mean …?" spells out the schema.
 */
export function echoFreeMessage(error: GraphQLError, options: { suggestions: boolean }): string {
  const original = error.originalError?.message;
  let message = error.message;
  let match: RegExpExecArray | null;
  if ((match = /^Variable "\$(\w+)" got invalid value /.exec(message))) {
    const { outer, inner } = withoutInner(message, original);
    // The path is printed from schema field names and list indexes; the anchored pattern cannot reach into the value.
    const path = / at "(\w+(?:\.\w+|\[\d+\])*)"$/.exec(outer)?.[1];
    const where = path && path.length <= 256 ? ` at "${path}"` : '';
    message = `Variable "$${match[1]}" has an invalid value${where}: ${inner === undefined ? 'the value does not fit its type.' : describeValueProblem(inner)}`;
  } else if ((match = /^Expected value of type "([\w[\]!]+)", found /.exec(message))) {
    const { inner } = withoutInner(message, original);
    message = `Expected a value of type "${match[1]}"${inner === undefined ? '.' : `: ${describeValueProblem(inner)}`}`;
  } else if ((match = /^Argument "(\w+)" has invalid value /.exec(message))) {
    message = `Argument "${match[1]}" has an invalid value.`;
  } else if (/^(Int|Float|String|Boolean|ID) cannot represent |^Enum "\w+" cannot represent |^Value ".*" does not exist in "\w+" enum\.|^Field ".*" is not defined by type "\w+"\./s.test(message)) {
    message = describeValueProblem(message);
  } else if ((match = /^(Syntax Error: (?:Unexpected|.*? found) (?:String|BlockString)) "/s.exec(message))) {
    // The string's value is printed raw, quotes and all: no pattern for quoted text could tell where it ends.
    message = `${match[1]}.`;
  } else if (/^Unexpected parameter "[^]*" in the request body\.$/.test(message)) {
    // yoga prints the body's key raw, control and bidirectional-override characters included: only a name is kept.
    const key = message.slice('Unexpected parameter "'.length, -'" in the request body.'.length);
    message = `Unexpected parameter ${quotedName(key) ?? '"…"'} in the request body.`;
  }
  message = message.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, text: string) => (text.length > MAX_QUOTED_TEXT_IN_MESSAGE ? '"…"' : quoted));
  if (!options.suggestions) message = message.replace(/ ?Did you mean [^]*\?$/, '');
  return message;
}

/** The same error with an echo-free message (see echoFreeMessage); unchanged when there was nothing to remove. */
function withEchoFreeMessage(error: GraphQLError, options: { suggestions: boolean }): GraphQLError {
  const message = echoFreeMessage(error, options);
  if (message === error.message) return error;
  // The original error is dropped: its message is the one that carried the value.
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: error.extensions });
}

/**
 * graphql-js (16.10 and later) stops validating an operation when comparing its fields for merging, or walking its
 * fragment spreads, would cost more than a fixed budget, and says only "Validation aborted." (with no location).
 * Within the document bounds that takes hundreds of copies of one field: said here as the operation limit it is,
 * with what to change.
 */
const VALIDATION_BUDGET_SPENT = 'Validation aborted.';

/** The refusal for an operation whose validation graphql-js stopped; other errors unchanged. */
function withValidationBudgetExplained(error: GraphQLError): GraphQLError {
  if (error.message !== VALIDATION_BUDGET_SPENT || error.locations?.length) return error;
  return refusal(
    'OPERATION_LIMIT_EXCEEDED',
    'The operation is too costly to validate: it repeats fields or fragment spreads so often that checking whether they can be merged was stopped. Select each field and spread each fragment once.',
  );
}

/** The same error without the HTTP status it asks for (its code, `retryable` and headers stay). */
function withoutHttpStatus(error: GraphQLError): GraphQLError {
  const http = error.extensions?.http as Record<string, unknown> | undefined;
  if (http?.status === undefined) return error;
  const { status: _status, ...rest } = http;
  return withExtensions(error, { ...error.extensions, http: rest });
}

/** Options of the error contract. */
export interface ErrorContractOptions {
  /** Keep graphql-js's "Did you mean …?" suggestions; false when introspection is off. @default true */
  suggestions?: boolean;
}

/**
 * Gives every error of every result a documented code and `retryable` (yoga's 413, 405, parse errors …), and a
 * message that repeats no value from the request.
 */
export function useErrorContract(options: ErrorContractOptions = {}): Plugin {
  const messageOptions = { suggestions: options.suggestions ?? true };
  return {
    onResultProcess({ result, setResult }) {
      if (Symbol.asyncIterator in result) return;
      const withCodes = (item: ExecutionResult): ExecutionResult => {
        if (!item.errors?.length) return item;
        const errors = item.errors.map((error: GraphQLError) => withDocumentedCode(withEchoFreeMessage(withValidationBudgetExplained(error), messageOptions)));
        // GraphQL over HTTP: a response whose `data` is not null MUST have a 2xx status, and yoga takes the largest
        // status among the errors (a router's `_entities` with one unknown token of two was answered 404 with the
        // other's result in it, which a client reading the status would throw away).
        return { ...item, errors: item.data == null ? errors : errors.map(withoutHttpStatus) };
      };
      setResult(Array.isArray(result) ? result.map(withCodes) : withCodes(result));
    },
  };
}
