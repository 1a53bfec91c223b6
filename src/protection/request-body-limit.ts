/**
 * The request body bound, in place of yoga's `maxRequestBodySize`. Yoga pipes every body through a
 * TransformStream that counts bytes and builds a second Request around it, even when the Content-Length header
 * already bounds the body; that stream pipeline was a measurable share of each request's CPU. Here a declared
 * Content-Length is checked on the header alone, and the body is then read by the bounded reader
 * (./bounded-body.ts): straight from node's IncomingMessage when the request came through node:http, from the
 * Request's stream otherwise (an in-process request, whose header nobody enforced). That reader also bounds the
 * number of pieces a body may arrive in: yoga's own reading keeps every piece, so a body sent a byte at a time
 * cost hundreds of times its size.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';
import { readBoundedBody, readBoundedStream, type BodyReadResult } from './bounded-body.js';

/** Only a single non-negative integer is a Content-Length; anything else (a list, a sign) is refused. */
const CONTENT_LENGTH = /^\d{1,15}$/;

/** What @whatwg-node/server puts in the server context of a request that came through node:http. */
interface NodeHttpServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

/**
 * The refusal for a body that could not be read. Reading stopped mid-body, so the answer closes the connection:
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
    case 'aborted':
      return refusal('CLIENT_CLOSED_REQUEST', 'The client closed the connection before its request body arrived.');
  }
}

/**
 * Refuses bodies over `maxBytes` with REQUEST_ENTITY_TOO_LARGE (413), a malformed Content-Length and a body in too
 * many pieces with BAD_REQUEST; hands yoga's parser the body read whole.
 */
export function useRequestBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw refusal('BAD_REQUEST', 'The Content-Length header is invalid.');
        if (Number(contentLength) > maxBytes) throw refusal('REQUEST_ENTITY_TOO_LARGE', `Request body too large: the limit is ${maxBytes} bytes.`);
      }
      if (!requestParser || request.method === 'GET' || request.method === 'HEAD') return;
      const nodeRequest = (serverContext as NodeHttpServerContext).req;
      // Not `request.body` for a node request: the Request's stream would wrap the IncomingMessage for nothing.
      const stream = nodeRequest ? undefined : request.body;
      if (!nodeRequest && !stream) return;
      setRequestParser(async (original) => {
        const result = nodeRequest ? await readBoundedBody(nodeRequest, maxBytes) : await readBoundedStream(stream!, maxBytes);
        if (!result.ok) throw unreadableBody(result, maxBytes);
        return requestParser(
          new fetchAPI.Request(original.url, { method: original.method, headers: original.headers, signal: original.signal, body: result.body }),
        );
      });
    },
  };
}
