/**
 * CORS: only listed origins get an `Access-Control-Allow-Origin`, and it names the caller's own origin (yoga
 * would otherwise send a single configured origin to everyone). No list, no cross-origin access.
 */
import type { YogaServerOptions } from 'graphql-yoga';
import { API_KEY_HEADER } from '../auth/authenticate.js';
import { REQUEST_ID_HEADER } from '../observability/request-log.js';
import { CSRF_HEADER } from './csrf.js';

/**
 * Headers that mainstream GraphQL clients and tracing add on their own: Apollo Client's client awareness and CSRF
 * marker, Apollo's operation name header, and W3C Trace Context / Baggage. A preflight that omits one of them
 * blocks every request of an app using that client, so they are allowed even though the gateway ignores them.
 */
export const CLIENT_AND_TRACING_HEADERS: readonly string[] = [
  'apollographql-client-name',
  'apollographql-client-version',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'traceparent',
  'tracestate',
  'baggage',
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
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
    // Credentials travel in headers, never cookies: browsers need not send cookies cross-origin.
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (anyOrigin) return { ...shared, origin: '*' };
    return origin !== null && origins.includes(origin) ? { ...shared, origin } : false;
  };
}
