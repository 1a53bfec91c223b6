/**
 * Requests with more header lines than node keeps. Node stores at most MAX_HEADERS_COUNT of them (in batches of 32)
 * and drops the rest unread, which bounds memory but let a request lose, say, its Content-Type past the 100th line,
 * and then be refused for something it had sent (CSRF_PREVENTED). Such a request is refused for what it is.
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** Refuses a request through node:http with more than `maxHeaderLines` header lines with 400 BAD_REQUEST. */
export function useHeaderCountLimit(maxHeaderLines: number): Plugin {
  return {
    onRequestParse({ serverContext }) {
      const nodeRequest = (serverContext as { req?: IncomingMessage }).req;
      if (!nodeRequest || nodeRequest.rawHeaders.length / 2 <= maxHeaderLines) return;
      throw refusal(
        'BAD_REQUEST',
        `The request has more than ${maxHeaderLines} header lines, and the rest were not read; send fewer (a browser sends about twenty).`,
        { headers: { Connection: 'close' } },
      );
    },
  };
}
