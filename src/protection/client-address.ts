/** The address of the client behind a request: the anonymous caller's identity. */
import type { IncomingMessage } from 'node:http';

/** What node:http hands yoga with each request. */
export interface NodeServerContext {
  req?: IncomingMessage;
}

/** Finds the client address of a request. */
export type ClientAddressOf = (request: Request, serverContext: NodeServerContext) => string;

/** Creates the lookup; `trustProxy` takes the first X-Forwarded-For entry. */
export function createClientAddressOf(trustProxy: boolean): ClientAddressOf {
  return (request, serverContext) => {
    if (trustProxy) {
      const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    return serverContext.req?.socket.remoteAddress ?? 'unknown';
  };
}
