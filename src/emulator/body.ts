/** Reads a request body with a hard cap, so a huge or endless upload never sits in memory. */
import type { IncomingMessage } from 'node:http';

/** Tencent Cloud API 3.0 rejects request bodies over 10 MB with RequestSizeLimitExceeded. */
export const REQUEST_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * How far past the limit the emulator keeps reading, only to throw the bytes away. Clients such as fetch (undici)
 * write the whole body before they read an answer: a server that answers and closes mid-upload hands them EPIPE
 * instead of RequestSizeLimitExceeded. Draining a moderately oversized body lets them see the real answer; an
 * upload past this bound (or declaring a length past it) is cut off, so an endless one cannot keep the emulator busy.
 */
export const REQUEST_DISCARD_LIMIT_BYTES = 2 * REQUEST_BODY_LIMIT_BYTES;

/** The body, or why there is none. `drained` says whether the whole oversized upload was read (and discarded). */
export type BodyReadResult =
  | { ok: true; body: Buffer }
  | { ok: false; reason: 'tooLarge'; drained: boolean }
  | { ok: false; reason: 'aborted' };

/** Collects the body up to `limit` bytes; past it, keeps no byte and stops reading at `discardLimit`. */
export function readBoundedBody(request: IncomingMessage, limit: number, discardLimit: number): Promise<BodyReadResult> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > discardLimit) {
    return Promise.resolve({ ok: false, reason: 'tooLarge', drained: false });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > limit;
    const finish = (result: BodyReadResult) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('aborted', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (size > discardLimit) {
        request.pause();
        finish({ ok: false, reason: 'tooLarge', drained: false });
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    };
    const onEnd = () => finish(tooLarge ? { ok: false, reason: 'tooLarge', drained: true } : { ok: true, body: Buffer.concat(chunks, size) });
    const onAbort = () => finish({ ok: false, reason: 'aborted' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('aborted', onAbort);
  });
}
