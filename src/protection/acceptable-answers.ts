/**
 * Content negotiation before the operation runs. yoga picks the media type of its answer only once the operation
 * has run, and when the request's Accept header names none it can produce it answered 406 with an empty body: a
 * token minted at Tencent (a slot of the 20 a second, and a billed call) was thrown away, and the client was not
 * told why. The same reading of Accept is now made before the request is parsed: such a request is refused with
 * 406 NOT_ACCEPTABLE before anything runs, and the refusal, which no type the client takes can carry, is sent as
 * JSON.
 */
import { processRegularResult, type Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** The media types yoga answers a query or mutation in (its result processors: SSE, multipart, and JSON). */
export const ANSWER_MEDIA_TYPES = ['text/event-stream', 'multipart/mixed', 'application/graphql-response+json', 'application/json'] as const;

const ANSWER_TYPE_PARTS = ANSWER_MEDIA_TYPES.map((mediaType) => mediaType.split('/') as [string, string]);

/** What a refused request is told; never its Accept header, which is client text. */
export const NOT_ACCEPTABLE_MESSAGE =
  "The request's Accept header allows none of the media types this API answers in (application/graphql-response+json, application/json, text/event-stream or multipart/mixed, in UTF-8), so the operation was not run.";

/**
 * Whether yoga will find a media type to answer a request with this Accept header in. This is yoga's own reading
 * (graphql-yoga's result-processor/accept.js) so that the two never disagree: no header or an empty one means
 * anything; whitespace and case are ignored; a range with a charset other than UTF-8 is skipped; q-values are not
 * read, so `application/json;q=0` still counts; a `*` type or subtype matches any.
 */
export function acceptsAnAnswer(accept: string | null): boolean {
  if (!accept) return true;
  for (const range of accept.replace(/\s/g, '').toLowerCase().split(',')) {
    const [mediaType, ...parameters] = range.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    const [type, subtype] = mediaType!.split('/');
    for (const [answerType, answerSubtype] of ANSWER_TYPE_PARTS) {
      if ((type === '*' || type === answerType) && (subtype === '*' || subtype === answerSubtype)) return true;
    }
  }
  return false;
}

/**
 * Refuses, before its body is read, a GraphQL request whose Accept header allows no answer, with 406
 * NOT_ACCEPTABLE; and sends as JSON, with its own status, any error that no accepted type can carry (this refusal,
 * or one raised before it, such as CSRF_PREVENTED), where yoga sent an empty 406.
 */
export function useAcceptableAnswers(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!acceptsAnAnswer(request.headers.get('accept'))) throw refusal('NOT_ACCEPTABLE', NOT_ACCEPTABLE_MESSAGE);
    },
    onResultProcess({ resultProcessor, setResultProcessor }) {
      if (!resultProcessor) setResultProcessor(processRegularResult, 'application/json');
    },
    onResponse({ response }) {
      // yoga's server-sent events say `Content-Encoding: none`, which is no content coding (RFC 9110 §8.4.1): a
      // strict client or proxy may refuse to decode the stream. The stream is sent as it is, so the header goes.
      if (response.headers.get('content-encoding') === 'none') response.headers.delete('content-encoding');
    },
  };
}
