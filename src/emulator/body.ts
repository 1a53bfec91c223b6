/** The emulator's request body bounds; the bounded reader itself is shared with the gateway. */
export { readBoundedBody, type BodyReadResult } from '../protection/bounded-body.js';

/** Tencent Cloud API 3.0 rejects request bodies over 10 MB with RequestSizeLimitExceeded. */
export const REQUEST_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * How far past the limit the emulator keeps reading, only to throw the bytes away. Clients such as fetch (undici)
 * write the whole body before they read an answer: a server that answers and closes mid-upload hands them EPIPE
 * instead of RequestSizeLimitExceeded. Draining a moderately oversized body lets them see the real answer; an
 * upload past this bound (or declaring a length past it) is cut off, so an endless one cannot keep the emulator busy.
 */
export const REQUEST_DISCARD_LIMIT_BYTES = 2 * REQUEST_BODY_LIMIT_BYTES;
