/**
 * CSRF prevention. A browser sends a cross-site request without a CORS preflight only if it is "simple": a GET, or
 * a POST whose content type is a form or plain text. The gateway refuses such POSTs unless they carry a header a
 * page cannot add without a preflight; JSON POSTs, what every GraphQL client sends, are preflighted and pass.
 *
 * GET needs no header: it can only run a query (yoga answers a mutation over GET with 405), queries have no side
 * effects (they read the gateway's public facts and the schema), credentials travel in headers that a cross-site
 * page cannot set (never cookies), and the answer is unreadable to another origin unless CORS allows it. That is
 * what lets urql and Apollo Client send queries as GET with their default options.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** The header that marks a form or plain-text POST as sent on purpose (yoga's CSRF header name). */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function isSimplePost(request: Request): boolean {
  if (request.method.toUpperCase() !== 'POST') return false;
  const contentType = request.headers.get('content-type')?.toLowerCase();
  return !contentType || SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple));
}

/** Refuses POSTs a browser could send cross-site without a preflight (403, CSRF_PREVENTED); GET queries pass. */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!isSimplePost(request) || request.headers.has(CSRF_HEADER)) return;
      throw refusal(
        'CSRF_PREVENTED',
        `Refused as a possible cross-site request: send POST with Content-Type: application/json (or a query as GET), or add the ${CSRF_HEADER} header.`,
      );
    },
  };
}
