/**
 * The media types a POST may have. yoga reads JSON (`application/json`, `application/graphql+json`), a form, and
 * `application/graphql`; for anything else it answered 415 with an empty body, and a multipart body went to its
 * file-upload parser, which parses the `operations` field without the JSON-values count the other bodies get
 * (./json-values.ts): 200 such bodies of empty objects cost 13 s of CPU. The API takes no files (images travel as
 * base64 in the variables), so multipart is refused outright, and every other type with an error that says what
 * to send.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** What a refused POST is told to send instead; never the type it sent, which is client text. */
export const SUPPORTED_MEDIA_TYPES_MESSAGE =
  'send the operation as application/json (or application/graphql, or as a form with the x-graphql-yoga-csrf header)';

/** The media type of a Content-Type header, lower-cased, without its parameters. */
function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(/[;,]/)[0]!.trim().toLowerCase();
}

/**
 * The labels of UTF-8 in the WHATWG Encoding Standard; yoga decodes every body as UTF-8 whatever its charset says.
 */
const UTF8_LABELS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

/** The charset parameter of a Content-Type header, unquoted and lower-cased; undefined when it has none. */
function charsetOf(contentType: string): string | undefined {
  return /;\s*charset\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(contentType)?.slice(1).find((value) => value !== undefined)?.toLowerCase();
}

/**
 * Refuses multipart POSTs, POSTs of a type no parser reads, and bodies said to be in a charset other than UTF-8,
 * with 400 BAD_REQUEST saying what to send. yoga decodes every body as UTF-8: a Latin-1 `é` became U+FFFD in the
 * variables and reached Tencent so, and a UTF-16 body failed as JSON with no word on why. A media
 * type is case-insensitive (RFC 9110), but yoga picks its parser by comparing it as written: one in capitals is
 * lower-cased first, so `APPLICATION/JSON` is read as JSON rather than refused.
 */
export function useSupportedMediaTypes(): Plugin {
  return {
    onRequest({ request }) {
      const contentType = request.headers.get('content-type');
      if (contentType === null || !/[A-Z]/.test(contentType)) return;
      const end = contentType.search(/[;,]/);
      const mediaType = end === -1 ? contentType : contentType.slice(0, end);
      request.headers.set('content-type', mediaType.trim().toLowerCase() + (end === -1 ? '' : contentType.slice(end)));
    },
    onRequestParse({ request, requestParser }) {
      if (request.method !== 'POST') return;
      if (mediaTypeOf(request.headers.get('content-type')).startsWith('multipart/')) {
        throw refusal('BAD_REQUEST', `This API takes no file uploads (multipart): ${SUPPORTED_MEDIA_TYPES_MESSAGE}, with images as base64 strings in the variables.`, {
          headers: { Connection: 'close' },
        });
      }
      if (!requestParser) throw refusal('BAD_REQUEST', `The request's Content-Type is not one this API reads: ${SUPPORTED_MEDIA_TYPES_MESSAGE}.`, { headers: { Connection: 'close' } });
      const charset = charsetOf(request.headers.get('content-type') ?? '');
      if (charset !== undefined && !UTF8_LABELS.has(charset)) {
        throw refusal('BAD_REQUEST', 'The request body must be UTF-8: send it with charset=utf-8 in its Content-Type, or with no charset.', { headers: { Connection: 'close' } });
      }
    },
  };
}
