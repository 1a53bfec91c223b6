/**
 * GET /ready: 200 while the gateway takes traffic, 503 once shutdown has begun (load balancers stop sending).
 * Yoga's useReadinessCheck does the same but matches every request against a URLPattern (a polyfill on Node 20),
 * a measurable cost on the hot path; an exact path comparison is all /ready needs.
 */
import type { Plugin } from 'graphql-yoga';

/** Where readiness is served. */
export const READINESS_ENDPOINT = '/ready';

/** Serves READINESS_ENDPOINT from `isReady`. */
export function useReadiness(isReady: () => boolean): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== READINESS_ENDPOINT) return;
      endResponse(new fetchAPI.Response(null, { status: isReady() ? 200 : 503 }));
    },
  };
}
