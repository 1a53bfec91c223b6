/**
 * Tencent's answers charged to the held-body budget until the request they were read for is answered: past the
 * first 64 KiB, while node's response is open (a client that does not read keeps it open), or until yoga answers
 * an in-process request.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { UNBUDGETED_BODY_BYTES, createHeldBodyBudget, createHeldBodyShares } from '../src/protection/bounded-body.js';
import { createAnswerHolds } from '../src/protection/held-answers.js';

/** A node response as the holds see it: open until 'close'. */
function openResponse(): ServerResponse & EventEmitter {
  return Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse & EventEmitter;
}

const request = () => new Request('http://gateway.test/graphql', { method: 'POST' });

describe('answer holds', () => {
  it('takes nothing for an answer within its first 64 KiB', () => {
    const budget = createHeldBodyBudget(1_000_000);
    const hold = createAnswerHolds(budget).holdFor(request(), openResponse());
    expect(hold(UNBUDGETED_BODY_BYTES)).toBe(true);
    expect(budget.heldBytes).toBe(0);
  });

  it('holds what an answer has past 64 KiB until the node response closes, then gives it back once', () => {
    const budget = createHeldBodyBudget(1_000_000);
    const response = openResponse();
    const hold = createAnswerHolds(budget).holdFor(request(), response);
    expect(hold(UNBUDGETED_BODY_BYTES + 600_000)).toBe(true);
    expect(budget.heldBytes).toBe(600_000);
    // A second answer for the same request is held beside the first.
    expect(hold(UNBUDGETED_BODY_BYTES + 300_000)).toBe(true);
    expect(budget.heldBytes).toBe(900_000);
    response.emit('close');
    response.emit('close');
    expect(budget.heldBytes).toBe(0);
  });

  it('refuses an answer that does not fit, taking nothing, and keeps the budget for the others', () => {
    const budget = createHeldBodyBudget(1_000_000);
    const holds = createAnswerHolds(budget);
    expect(holds.holdFor(request(), openResponse())(UNBUDGETED_BODY_BYTES + 800_000)).toBe(true);
    expect(holds.holdFor(request(), openResponse())(UNBUDGETED_BODY_BYTES + 300_000)).toBe(false);
    expect(budget.heldBytes).toBe(800_000);
  });

  it('gives back at once what it takes for a response already closed (the client left)', () => {
    const budget = createHeldBodyBudget(1_000_000);
    const response = Object.assign(openResponse(), { closed: true });
    expect(createAnswerHolds(budget).holdFor(request(), response)(UNBUDGETED_BODY_BYTES + 500_000)).toBe(true);
    expect(budget.heldBytes).toBe(0);
  });

  it('holds an in-process request\'s answers until yoga answers it', async () => {
    const budget = createHeldBodyBudget(1_000_000);
    const holds = createAnswerHolds(budget);
    const inProcess = request();
    expect(holds.holdFor(inProcess, undefined)(UNBUDGETED_BODY_BYTES + 500_000)).toBe(true);
    expect(budget.heldBytes).toBe(500_000);
    await (holds.plugin.onResponse as (payload: { request: Request }) => unknown)({ request: inProcess });
    expect(budget.heldBytes).toBe(0);
  });
  it('charges an answer to its caller\'s share, asking for the share only for an answer large enough to charge', () => {
    const budget = createHeldBodyBudget(1_000_000);
    const shares = createHeldBodyShares(budget);
    const asked: string[] = [];
    const holds = createAnswerHolds(budget, (callerId) => {
      asked.push(callerId);
      return shares.of(callerId, 300_000);
    });
    expect(holds.holdFor(request(), openResponse(), 'jwt:small')(UNBUDGETED_BODY_BYTES)).toBe(true);
    expect(asked).toEqual([]);
    const response = openResponse();
    // The caller's share is 300,000 here; past it, only what leaves 300,000 free: 700,000 in all.
    expect(holds.holdFor(request(), response, 'jwt:reader')(UNBUDGETED_BODY_BYTES + 700_000)).toBe(true);
    expect(holds.holdFor(request(), openResponse(), 'jwt:reader')(UNBUDGETED_BODY_BYTES + 1)).toBe(false);
    expect(holds.holdFor(request(), openResponse(), 'jwt:other')(UNBUDGETED_BODY_BYTES + 300_000)).toBe(true);
    expect(asked).toEqual(['jwt:reader', 'jwt:reader', 'jwt:other']);
    response.emit('close');
    expect(shares.holders).toBe(1);
    expect(budget.heldBytes).toBe(300_000);
  });
});
