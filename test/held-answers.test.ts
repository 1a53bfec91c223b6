/**
 * Tencent's answers charged to the held-body budget until the request they were read for is answered: past the
 * first 64 KiB, while node's response is open (a client that does not read keeps it open), or until yoga answers
 * an in-process request.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { UNBUDGETED_BODY_BYTES, createHeldBodyBudget } from '../src/protection/bounded-body.js';
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
});
