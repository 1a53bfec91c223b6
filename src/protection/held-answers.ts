/**
 * Memory held by Tencent's answers until the request they were read for has been answered. A verification result
 * carries media in base64: up to FACEID_MAX_RESPONSE_BYTES per read. Read, parsed and serialized into the response,
 * it stays in memory until the client has read that response, and a client that never reads it kept it until the
 * idle timeout: twenty such backends reading a 25 MB video ran a 512 MiB heap out of memory in 3 s. So each answer
 * past its first UNBUDGETED_BODY_BYTES is charged to the held-body budget (HTTP_MAX_HELD_BODY_BYTES), which request
 * bodies share, and to the caller's share of it, from when it has arrived until the response has been sent or its
 * connection has closed; an answer that does not fit fails the read with RATE_LIMITED (the read is not retried: the
 * answer is already here).
 */
import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { UNBUDGETED_BODY_BYTES, type HeldBodyBudget } from './bounded-body.js';

/** Takes `bytes` of an upstream answer from the budget until the request's own answer is sent; false: no room. */
export type AnswerHold = (bytes: number) => boolean;

/** The holds of every request, and the plugin that releases those of requests that came without a node response. */
export interface AnswerHolds {
  /**
   * The hold of one request; `response` is node's, when the request came through node:http. `callerId` names whose
   * share of the budget an answer is charged to (when createAnswerHolds was given `shareOf`).
   */
  holdFor(request: Request, response: ServerResponse | undefined, callerId?: string): AnswerHold;
  /** Releases, when yoga answers, what in-process requests (no node response to wait for) hold. */
  plugin: Plugin;
}

/**
 * Creates the answer holds over `budget`; with `shareOf`, each answer is charged to its caller's share of it
 * (createHeldBodyShares), asked for only when an answer is large enough to be charged.
 */
export function createAnswerHolds(budget: HeldBodyBudget, shareOf?: (callerId: string) => HeldBodyBudget): AnswerHolds {
  const inProcess = new WeakMap<Request, Array<() => void>>();
  return {
    holdFor(request, response, callerId) {
      return (bytes) => {
        const charge = Math.max(0, bytes - UNBUDGETED_BODY_BYTES);
        if (charge === 0) return true;
        const callerBudget = shareOf && callerId !== undefined ? shareOf(callerId) : budget;
        if (!callerBudget.take(charge)) return false;
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          callerBudget.give(charge);
        };
        if (!response) {
          const releases = inProcess.get(request) ?? [];
          releases.push(release);
          inProcess.set(request, releases);
        } else if (response.closed) release();
        else response.once('close', release);
        return true;
      };
    },
    plugin: {
      onResponse({ request }) {
        for (const release of inProcess.get(request) ?? []) release();
        inProcess.delete(request);
      },
    },
  };
}
