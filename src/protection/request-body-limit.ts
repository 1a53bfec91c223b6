/**
 * The request body bound, in place of yoga's `maxRequestBodySize`. Yoga pipes every body through a
 * TransformStream that counts bytes and builds a second Request around it, even when the Content-Length header
 * already bounds the body; that stream pipeline was a measurable share of each request's CPU. Here a declared
 * Content-Length is checked on the header alone, and the body is then read by the bounded reader
 * (./bounded-body.ts): straight from node's IncomingMessage when the request came through node:http, from the
 * Request's stream otherwise (an in-process request, whose header nobody enforced). That reader also bounds the
 * number of pieces a body may arrive in (yoga's own reading keeps every piece, so a body sent a byte at a time
 * cost hundreds of times its size) and the memory all bodies hold at once. Before yoga parses the JSON, the
 * values it holds are counted (./json-values.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';
import { UNBUDGETED_BODY_BYTES, readBoundedBody, readBoundedStream, type BodyReadResult, type HeldBodyBudget } from './bounded-body.js';
import { checkBodyJsonValues } from './json-values.js';

/** Only a single non-negative integer is a Content-Length; anything else (a list, a sign) is refused. */
const CONTENT_LENGTH = /^\d{1,15}$/;

/** What @whatwg-node/server puts in the server context of a request that came through node:http. */
interface NodeHttpServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

/** What the body bound needs besides the size. */
export interface RequestBodyLimitOptions {
  /** Memory all bodies being held share (HTTP_MAX_HELD_BODY_BYTES); none when absent. */
  budget?: HeldBodyBudget;
  /** Counts a refusal of this plugin's own (`body_fragmented`, `held_body_bytes`, `body_json_values`) in the rejection metrics. */
  countRejection?: (reason: string) => void;
  /**
   * Asked before a body that may pass UNBUDGETED_BODY_BYTES (one that could hold an image) is read: the refusal of
   * a caller who could not use one, or undefined. It may throw the caller's authentication refusal. The first bytes
   * of every body are free, but the rest come out of the held-body budget that image uploads share, and a caller
   * without credentials could otherwise keep that budget full (front-loading most of each body, then a byte now
   * and then) and every image upload waiting for minutes at a time. @default every caller may
   */
  largeBodyRefusal?: ((request: Request, serverContext: unknown) => Promise<GraphQLError | undefined>) | undefined;
  /**
   * Asked, after largeBodyRefusal, for the budget a body that may pass UNBUDGETED_BODY_BYTES is charged to: the
   * caller's share of `budget` (createHeldBodyShares). @default `budget` itself
   */
  budgetFor?: ((request: Request, serverContext: unknown) => Promise<HeldBodyBudget>) | undefined;
}

/** `error` with `Connection: close` added to its headers: the body it refuses was not read (to its end). */
function withConnectionClose(error: GraphQLError): GraphQLError {
  const http = (error.extensions.http ?? {}) as { headers?: Record<string, string> };
  return new GraphQLError(error.message, {
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { ...http, headers: { ...http.headers, Connection: 'close' } } },
  });
}

/** How long a client refused for the held-body budget is asked to wait: uploads in progress finish within seconds. */
const HELD_BODY_RETRY_AFTER_SECONDS = 1;

/**
 * The refusal for a body that could not be read. Where reading stopped mid-body the answer closes the connection:
 * that is what stops node from parsing the rest of the upload.
 */
function unreadableBody(result: Exclude<BodyReadResult, { ok: true }>, maxBytes: number) {
  const headers = { Connection: 'close' };
  switch (result.reason) {
    case 'tooLarge':
      return refusal('REQUEST_ENTITY_TOO_LARGE', `Request body too large: the limit is ${maxBytes} bytes.`, { headers });
    case 'tooFragmented':
      return refusal(
        'BAD_REQUEST',
        `The request body arrived in more than ${result.pieces - 1} pieces for ${result.bytes} bytes; send it with a Content-Length, or in chunks of at least a few hundred bytes.`,
        { headers },
      );
    case 'overBudget':
      // While the rest of the upload drains (read and dropped), the connection stays open: closing it would reset
      // it under a client still sending, which would see a network error instead of this refusal.
      return refusal(
        'RATE_LIMITED',
        `The gateway is holding as many request bodies as it may at once (${result.limitBytes} bytes in all${
          result.callerLimitBytes === undefined || result.callerLimitBytes >= result.limitBytes
            ? ''
            : `; past ${result.callerLimitBytes} bytes, a caller may only use what leaves as much free for the others`
        }); retry in a moment.`,
        {
          extensions: { retryAfter: HELD_BODY_RETRY_AFTER_SECONDS },
          headers: { ...(result.draining ? {} : headers), 'Retry-After': String(HELD_BODY_RETRY_AFTER_SECONDS) },
        },
      );
    case 'aborted':
      return refusal('CLIENT_CLOSED_REQUEST', 'The client closed the connection before its request body arrived.');
  }
}

/** The rejection metric's reason for a refusal of this plugin's own; the request log counts 413s itself. */
const REJECTION_REASONS: Partial<Record<Exclude<BodyReadResult, { ok: true }>['reason'], string>> = {
  tooFragmented: 'body_fragmented',
  overBudget: 'held_body_bytes',
};

/**
 * Refuses bodies over `maxBytes` with REQUEST_ENTITY_TOO_LARGE (413); a malformed Content-Length, a body in too
 * many pieces and JSON of too many values with BAD_REQUEST; and a body that does not fit in the held-body budget
 * with RATE_LIMITED. Hands yoga's parser the body read whole, and gives its bytes back to the budget once the
 * request is answered.
 */
export function useRequestBodyLimit(maxBytes: number, options: RequestBodyLimitOptions = {}): Plugin {
  const { budget, countRejection, largeBodyRefusal, budgetFor } = options;
  const releases = new WeakMap<Request, () => void>();
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw refusal('BAD_REQUEST', 'The Content-Length header is invalid.');
        // Closed: kept open, node would read and drop all the announced bytes (up to 15 digits of them).
        if (Number(contentLength) > maxBytes) {
          throw refusal('REQUEST_ENTITY_TOO_LARGE', `Request body too large: the limit is ${maxBytes} bytes.`, { headers: { Connection: 'close' } });
        }
      }
      if (!requestParser || request.method === 'GET' || request.method === 'HEAD') return;
      // Bodies are bounded by the bytes that arrive; an inflated one could be a thousand times larger. Said plainly
      // rather than left to the JSON parser, which would call a gzip body invalid JSON.
      const encoding = request.headers.get('content-encoding');
      if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
        throw refusal('BAD_REQUEST', 'The request body must be sent uncompressed: no Content-Encoding is accepted.', { headers: { Connection: 'close' } });
      }
      // Node undoes `chunked` and hands on any other transfer coding as it came: a gzip one would reach the JSON
      // parser as bytes and be called invalid JSON.
      const transferEncoding = request.headers.get('transfer-encoding');
      if (transferEncoding !== null && transferEncoding.trim().toLowerCase() !== 'chunked') {
        throw refusal('BAD_REQUEST', 'The request body must be sent uncompressed: no Transfer-Encoding but chunked is accepted.', { headers: { Connection: 'close' } });
      }
      const { req: nodeRequest, res: nodeResponse } = serverContext as NodeHttpServerContext;
      // Not `request.body` for a node request: the Request's stream would wrap the IncomingMessage for nothing.
      const stream = nodeRequest ? undefined : request.body;
      if (!nodeRequest && !stream) return;
      setRequestParser(async (original) => {
        // A body announced past the free bytes, or of unknown length, from a caller who cannot use one is refused
        // before it is read (announced), or held to the free bytes (unknown).
        let limit = maxBytes;
        const mayBeLarge = contentLength === null || Number(contentLength) > UNBUDGETED_BODY_BYTES;
        const refused = largeBodyRefusal && mayBeLarge ? await largeBodyRefusal(request, serverContext) : undefined;
        if (refused) {
          // Announced (and within the size bound): node reads the rest and drops it once the refusal is sent, so a
          // client still sending reads the refusal rather than a reset connection, and the connection is kept.
          if (contentLength !== null) throw refused;
          limit = UNBUDGETED_BODY_BYTES;
        }
        // Only what passes the free bytes is charged, so a body that cannot pass them needs no caller's share.
        const bodyBudget = mayBeLarge && !refused && budgetFor ? await budgetFor(request, serverContext) : budget;
        // The client waits for this before it sends the body (see createHttpServer): every check on the headers has passed.
        if (nodeResponse && /100-continue/i.test(nodeRequest?.headers.expect ?? '')) nodeResponse.writeContinue();
        const result = nodeRequest
          ? await readBoundedBody(nodeRequest, { limit, budget: bodyBudget })
          : await readBoundedStream(stream!, { limit, budget: bodyBudget });
        if (!result.ok && result.reason === 'tooLarge' && refused) throw withConnectionClose(refused);
        if (!result.ok) {
          const reason = REJECTION_REASONS[result.reason];
          if (reason) countRejection?.(reason);
          throw unreadableBody(result, maxBytes);
        }
        // Given back when the answer is made, or when the connection ends without one, whichever comes first.
        releases.set(request, result.release);
        nodeResponse?.once('close', result.release);
        const tooManyValues = checkBodyJsonValues(result.body, original.headers.get('content-type'));
        if (tooManyValues) {
          const { field, message } = tooManyValues;
          // In the variables it is the caller's input, named (and counted as `invalid_input` by the request log) as
          // the variables limits name it; elsewhere it is the request's, counted here.
          if (field !== undefined) throw refusal('BAD_USER_INPUT', message, { extensions: { field } });
          countRejection?.('body_json_values');
          throw refusal('BAD_REQUEST', message);
        }
        const parsed = new fetchAPI.Request(original.url, { method: original.method, headers: original.headers, signal: original.signal, body: result.body });
        // whatwg-node's Request keeps the text it decodes for as long as the request lives: a second copy of the
        // body, an image's 8 MiB included, on the V8 heap beside the parsed one until the answer. Decoded here on
        // each call instead, the text is garbage as soon as it is parsed; the bytes stay, counted by the budget.
        const { body } = result;
        // A byte-order mark before JSON, which some clients (.NET's among them) write, may be ignored (RFC 8259 §8.1).
        parsed.text = () => Promise.resolve(body.toString('utf8').replace(/^\uFEFF/, ''));
        parsed.json = () => parsed.text().then(JSON.parse);
        const params = await requestParser(parsed);
        // yoga answers an empty batch with an empty list, 200: a request that asks nothing is a mistake to name.
        if (Array.isArray(params) && params.length === 0) throw refusal('BAD_REQUEST', 'The batch holds no operation: send one or more {"query": …} objects.');
        return params;
      });
    },
    onResponse({ request }) {
      releases.get(request)?.();
    },
  };
}
