/**
 * The request body bound, in place of yoga's `maxRequestBodySize`. Yoga pipes every body through a
 * TransformStream that counts bytes and builds a second Request around it, even when the Content-Length header
 * already bounds the body; that stream pipeline was a measurable share of each request's CPU. Here a request that
 * arrived through node:http with a Content-Length is checked on the header alone (Node's HTTP parser never
 * delivers more bytes than it announces); any other body (chunked, or an in-process Request whose header nobody
 * enforced) is read with a running count and refused as soon as it passes the bound.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';
import type { NodeServerContext } from './client-address.js';

/** Only a single non-negative integer is a Content-Length; anything else (a list, a sign) is refused. */
const CONTENT_LENGTH = /^\d{1,15}$/;

function tooLarge(maxBytes: number) {
  return refusal('REQUEST_ENTITY_TOO_LARGE', `Request body too large: the limit is ${maxBytes} bytes.`);
}

/** Reads `body` whole, refusing (413) as soon as it passes `maxBytes`; never holds more than that. */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Refuses bodies over `maxBytes` with REQUEST_ENTITY_TOO_LARGE (413) and a malformed Content-Length with BAD_REQUEST. */
export function useRequestBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw refusal('BAD_REQUEST', 'The Content-Length header is invalid.');
        if (Number(contentLength) > maxBytes) throw tooLarge(maxBytes);
        if ((serverContext as NodeServerContext).req) return;
      }
      const body = request.body;
      if (!requestParser || !body) return;
      setRequestParser(async (original) =>
        requestParser(
          new fetchAPI.Request(original.url, {
            method: original.method,
            headers: original.headers,
            signal: original.signal,
            body: await readBounded(body, maxBytes),
          }),
        ),
      );
    },
  };
}
