/**
 * CSRF prevention. A browser sends a cross-site request without a CORS preflight only if it is "simple": a GET, or
 * a POST whose content type is a form or plain text. Such a request could ride on the user's network position
 * (an intranet, an allow-listed IP), so the gateway refuses it unless it carries a header a page cannot add
 * without a preflight. JSON POSTs, what every GraphQL client sends, are preflighted and pass.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** The header that marks a GET (or a form/text POST) as sent on purpose. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

function isPreflighted(request: Request): boolean {
  const contentType = request.headers.get('content-type')?.toLowerCase();
  if (request.method.toUpperCase() === 'GET' || !contentType) return false;
  return !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple));
}

/** Refuses GraphQL requests a browser could send cross-site without a preflight (403, CSRF_PREVENTED). */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (isPreflighted(request) || request.headers.has(CSRF_HEADER)) return;
      throw refusal(
        'CSRF_PREVENTED',
        `Refused as a possible cross-site request: send POST with Content-Type: application/json, or add the ${CSRF_HEADER} header to a GET.`,
      );
    },
  };
}
