/**
 * CORS: only listed origins get an `Access-Control-Allow-Origin`, and it names the caller's own origin (yoga
 * would otherwise send a single configured origin to everyone). No list, no cross-origin access.
 */
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { API_KEY_HEADER } from '../auth/authenticate.js';
import { REQUEST_ID_HEADER } from '../observability/request-log.js';
import { CSRF_HEADER } from './csrf.js';

/**
 * Headers that mainstream GraphQL clients and tracing add on their own: Apollo Client's client awareness and CSRF
 * marker, Apollo's operation name header, the client awareness headers GraphQL Hive reads (with and without `x-`),
 * W3C Trace Context / Baggage, and Sentry's browser SDK's trace header. A preflight that omits one of them blocks
 * every request of an app using that client, so they are allowed even though the gateway ignores them.
 */
export const CLIENT_AND_TRACING_HEADERS: readonly string[] = [
  'apollographql-client-name',
  'apollographql-client-version',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'graphql-client-name',
  'graphql-client-version',
  'x-graphql-client-name',
  'x-graphql-client-version',
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
];

/** Request headers a browser may send cross-origin: the gateway's own, then those clients and tracing send. */
export const CORS_ALLOWED_HEADERS: readonly string[] = [
  'content-type',
  'authorization',
  API_KEY_HEADER,
  REQUEST_ID_HEADER,
  CSRF_HEADER,
  ...CLIENT_AND_TRACING_HEADERS,
];

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Yoga's `cors` option for a list of allowed origins (`*` for any). */
export function corsPolicy(origins: readonly string[]): YogaServerOptions<object, object>['cors'] {
  if (origins.length === 0) return false;
  const anyOrigin = origins.includes('*');
  const shared = {
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    // WWW-Authenticate: a page on another origin reading a 401 learns which scheme to use.
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after', 'www-authenticate'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
  return (request: Request) => {
    const origin = request.headers.get('origin');
    // Browsers refuse credentials with a wildcard origin, so any origin comes without them.
    if (anyOrigin) return { ...shared, origin: '*', credentials: false };
    // A listed origin may send credentials: apps that set `credentials: 'include'` on every request (a common
    // Apollo Client setting) would otherwise fail outright. Harmless here: the gateway reads no cookie, so a
    // credentialed request can do nothing an uncredentialed one cannot.
    return origin !== null && origins.includes(origin) ? { ...shared, origin, credentials: true } : false;
  };
}

/**
 * `Vary: Origin` on every answer when CORS is on (any list of origins, `*` included): whether an answer carries
 * `Access-Control-Allow-Origin`, and which, depends on the request's Origin, so a shared cache (a CDN in front of
 * GET queries) must key it by Origin. yoga says so only when it reflects one of several origins: a listed origin's
 * answer (one origin at a time here), or an answer to a request without Origin, was cacheable for everyone, and a
 * cache could hand one origin's CORS answer to another, or an answer without CORS headers to a browser.
 */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ response }) {
      addVary(response.headers, 'Origin');
    },
  };
}

/** Adds `name` to the Vary header unless it, or `*`, is there already. */
function addVary(headers: Headers, name: string): void {
  const current = headers.get('vary');
  if (!current) return void headers.set('vary', name);
  const lower = name.toLowerCase();
  if (current.split(',').some((token) => ['*', lower].includes(token.trim().toLowerCase()))) return;
  // Deleted first: headers built from an object keep their case, and the fetch ponyfill's set() under another case
  // adds a second header instead of replacing the first.
  headers.delete('vary');
  headers.set('vary', `${current}, ${name}`);
}
