import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BODY_PIECES_ALLOWANCE,
  MIN_AVERAGE_BODY_PIECE_BYTES,
  UNBUDGETED_BODY_BYTES,
  createBodyCollector,
  createHeldBodyBudget,
  createHeldBodyShares,
  maxBodyPieces,
  readBoundedBody,
  type HeldBodyBudget,
} from '../src/protection/bounded-body.js';

/** `count` pieces of `size` bytes, each filled with its own index so that order and placement are checked. */
function piecesOf(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, index) => new Uint8Array(size).fill(index % 251));
}

function collect(maxBytes: number, pieces: Uint8Array[], expectedBytes?: number) {
  const collector = createBodyCollector(maxBytes, expectedBytes);
  const verdicts = pieces.map((piece) => collector.add(piece));
  return { collector, verdicts, firstRefusal: verdicts.findIndex((verdict) => verdict !== 'ok') };
}

describe('the body collector', () => {
  it.each([
    ['one piece of a known size', [[5, 3]], 1024, 15],
    ['many pieces of a known size', [[100, 7]], 1024, 700],
    ['pieces of an unknown size that outgrow the first allocation', [[40, 1000]], 64 * 1024, undefined],
    ['pieces of mixed sizes', [[3, 1], [2, 20_000], [5, 17]], 64 * 1024, undefined],
  ] as const)('returns the exact bytes of %s', (_name, shape, maxBytes, expectedBytes) => {
    const pieces = shape.flatMap(([count, size]) => piecesOf(count, size));
    const { collector, verdicts } = collect(maxBytes, pieces, expectedBytes);

    expect(verdicts.every((verdict) => verdict === 'ok')).toBe(true);
    expect(collector.body()).toEqual(Buffer.concat(pieces));
    expect(collector.pieces).toBe(pieces.length);
  });

  it('refuses the first piece that takes the body past its size bound, and keeps none of it', () => {
    const { collector, verdicts } = collect(1000, piecesOf(11, 100));

    expect(verdicts.slice(0, 10).every((verdict) => verdict === 'ok')).toBe(true);
    expect(verdicts[10]).toBe('tooLarge');
    expect(collector.body()).toHaveLength(1000);
  });

  it.each([
    ['one-byte pieces', 1],
    ['100-byte pieces', 100],
    ['255-byte pieces', 255],
  ])(`refuses %s at the first piece past the allowance plus one per ${MIN_AVERAGE_BODY_PIECE_BYTES} bytes`, (_name, size) => {
    const { firstRefusal, verdicts } = collect(64 * 1024 * 1024, piecesOf(300_000, size));
    const piecesWhenRefused = firstRefusal + 1;

    expect(verdicts[firstRefusal]).toBe('tooFragmented');
    expect(piecesWhenRefused).toBe(maxBodyPieces(piecesWhenRefused * size) + 1);
    expect(piecesWhenRefused - 1).toBeLessThanOrEqual(maxBodyPieces((piecesWhenRefused - 1) * size));
  });

  it(`accepts any number of pieces that average ${MIN_AVERAGE_BODY_PIECE_BYTES} bytes`, () => {
    const { verdicts } = collect(64 * 1024 * 1024, piecesOf(100_000, MIN_AVERAGE_BODY_PIECE_BYTES));
    expect(verdicts.every((verdict) => verdict === 'ok')).toBe(true);
  });

  it('holds an upload being thrown away past its size bound to the piece bound too', () => {
    const { verdicts } = collect(10, piecesOf(BODY_PIECES_ALLOWANCE + 10, 1));
    expect(verdicts.slice(10, BODY_PIECES_ALLOWANCE + 4).every((verdict) => verdict === 'tooLarge')).toBe(true);
    expect(verdicts.at(-1)).toBe('tooFragmented');
  });
});

describe('the held-body budget', () => {
  it('takes nothing for a body within its first 64 KiB', () => {
    const budget = createHeldBodyBudget(0);
    const { verdicts } = collectWith(budget, UNBUDGETED_BODY_BYTES, piecesOf(16, UNBUDGETED_BODY_BYTES / 16));
    expect(verdicts.every((verdict) => verdict === 'ok')).toBe(true);
    expect(budget.heldBytes).toBe(0);
  });

  it('takes what the body holds past 64 KiB as it grows, and gives it all back once', () => {
    const budget = createHeldBodyBudget(10 * 1024 * 1024);
    const { collector } = collectWith(budget, 1_000_000, piecesOf(10, 100_000));
    expect(budget.heldBytes).toBe(1_000_000 - UNBUDGETED_BODY_BYTES);
    collector.release();
    collector.release();
    expect(budget.heldBytes).toBe(0);
  });

  it('holds what has arrived, not what the Content-Length announces', () => {
    const budget = createHeldBodyBudget(64 * 1024 * 1024);
    collectWith(budget, 8_000_000, piecesOf(2, 40_000));
    expect(budget.heldBytes).toBeLessThanOrEqual(2 * 80_000 - UNBUDGETED_BODY_BYTES);
  });

  it('refuses the piece that does not fit, and leaves the budget to the bodies that do', () => {
    const budget = createHeldBodyBudget(500_000);
    const first = collectWith(budget, 400_000, piecesOf(4, 100_000));
    const second = collectWith(budget, 400_000, piecesOf(4, 100_000));
    expect(first.verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(second.verdicts.at(-1)).toBe('overBudget');
    second.collector.release();
    expect(budget.heldBytes).toBe(400_000 - UNBUDGETED_BODY_BYTES);
  });
});

function collectWith(budget: HeldBodyBudget, expectedBytes: number, pieces: Uint8Array[]) {
  const collector = createBodyCollector(8 * 1024 * 1024, expectedBytes, budget);
  return { collector, verdicts: pieces.map((piece) => collector.add(piece)) };
}

describe('reading a node request', () => {
  /** A request-like stream with `headers`, as node's IncomingMessage is one. */
  function requestOf(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
    return Object.assign(new PassThrough(), { headers });
  }
  const asIncoming = (request: PassThrough) => request as unknown as IncomingMessage;

  it('settles as aborted, and gives back the budget, when the stream closes without an error', async () => {
    const budget = createHeldBodyBudget(10 * 1024 * 1024);
    const request = requestOf();
    const reading = readBoundedBody(asIncoming(request), { limit: 1_000_000, budget });
    for (let piece = 0; piece < 3; piece++) request.write(Buffer.alloc(100_000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.heldBytes).toBeGreaterThan(0);
    request.destroy();

    expect(await reading).toEqual({ ok: false, reason: 'aborted' });
    expect(budget.heldBytes).toBe(0);
  });

  it('settles as aborted at once when the client left before the read started', async () => {
    const budget = createHeldBodyBudget(10 * 1024 * 1024);
    const request = requestOf({ 'content-length': '8000000' });
    request.write(Buffer.alloc(1000));
    request.destroy();
    await new Promise((resolve) => request.once('close', resolve));

    const settled = await Promise.race([
      readBoundedBody(asIncoming(request), { limit: 8_000_000, budget }),
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 200)),
    ]);
    expect(settled).toEqual({ ok: false, reason: 'aborted' });
    expect(budget.heldBytes).toBe(0);
  });

  it('keeps a complete body taken from the budget after the stream closes, until it is released', async () => {
    const budget = createHeldBodyBudget(10 * 1024 * 1024);
    const request = requestOf({ 'content-length': '300000' });
    const reading = readBoundedBody(asIncoming(request), { limit: 1_000_000, budget });
    for (let piece = 0; piece < 3; piece++) request.write(Buffer.alloc(100_000, piece));
    request.end();
    const result = await reading;
    await new Promise((resolve) => (request.closed ? resolve(undefined) : request.once('close', resolve)));
    expect(request.closed).toBe(true);

    expect(result.ok && result.body.length).toBe(300_000);
    expect(budget.heldBytes).toBe(300_000 - UNBUDGETED_BODY_BYTES);
    if (result.ok) result.release();
    expect(budget.heldBytes).toBe(0);
  });

  it('settles a body that does not fit in the budget at once, then reads the rest of it and keeps none', async () => {
    const budget = createHeldBodyBudget(200_000);
    const request = requestOf({ 'content-length': '1000000' });
    const reading = readBoundedBody(asIncoming(request), { limit: 1_000_000, budget });
    request.write(Buffer.alloc(100_000));
    request.write(Buffer.alloc(200_000));

    expect(await reading).toEqual({ ok: false, reason: 'overBudget', limitBytes: 200_000, draining: true });
    expect(budget.heldBytes).toBe(0);
    for (let piece = 0; piece < 7; piece++) request.write(Buffer.alloc(100_000));
    request.end();
    await new Promise((resolve) => request.once('end', resolve));
    expect(request.readableEnded).toBe(true);
    expect(budget.heldBytes).toBe(0);
  });

  it('stops draining a refused body that breaks the size bound', async () => {
    const budget = createHeldBodyBudget(200_000);
    const request = requestOf();
    const reading = readBoundedBody(asIncoming(request), { limit: 1_000_000, budget });
    request.write(Buffer.alloc(300_000));
    request.write(Buffer.alloc(300_000));
    expect((await reading).ok).toBe(false);
    for (let piece = 0; piece < 6; piece++) request.write(Buffer.alloc(100_000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(request.isPaused()).toBe(true);
    expect(request.listenerCount('data')).toBe(0);
  });
});

describe('each caller\'s share of the held-body budget', () => {
  it.each([
    ['a quarter of the budget', 1000, 100, 250],
    ['never less than the largest charge', 1000, 400, 400],
    ['never more than the budget', 1000, 1500, 1000],
  ])('keeps a share of %s free for each caller', (_case, limitBytes, largestCharge, share) => {
    const budget = createHeldBodyBudget(limitBytes);
    const shares = createHeldBodyShares(budget);
    const hoarder = shares.of('jwt:hoarder', largestCharge);
    expect(hoarder.callerLimitBytes).toBe(share);
    // Alone, a caller takes all but one share, in pieces of any size...
    expect(hoarder.take(Math.min(share, limitBytes - share))).toBe(true);
    while (hoarder.take(1));
    expect(budget.heldBytes).toBe(Math.max(share, limitBytes - share));
    // ...and whatever it holds, another caller still finds its share free.
    const other = shares.of('jwt:other', largestCharge);
    if (share < limitBytes) expect(other.take(share)).toBe(true);
    else expect(other.take(1)).toBe(false);
    expect(budget.heldBytes).toBeLessThanOrEqual(limitBytes);
  });

  it('counts a caller once across its views, refuses what the whole budget cannot hold, and forgets a caller holding nothing', () => {
    const budget = createHeldBodyBudget(1000);
    const shares = createHeldBodyShares(budget);
    const bodies = shares.of('jwt:a', 100);
    const answers = shares.of('jwt:a', 600);
    expect(bodies.take(200)).toBe(true);
    // The answers' view keeps a share of 600, of which the bodies hold 200; past it, only what leaves 600 free.
    expect(answers.take(400)).toBe(true);
    expect(answers.take(1)).toBe(false);
    expect(bodies.heldBytes).toBe(600);
    // Another caller takes what is left; then the budget is full for everyone.
    expect(shares.of('jwt:b', 600).take(400)).toBe(true);
    expect(shares.of('jwt:c', 600).take(1)).toBe(false);
    answers.give(400);
    expect(shares.of('jwt:c', 600).take(401)).toBe(false);
    expect(shares.holders).toBe(2);
    bodies.give(200);
    expect(shares.holders).toBe(1);
    expect(budget.heldBytes).toBe(400);
  });

  it('takes two callers past their shares to fill the budget that one alone could not', () => {
    const budget = createHeldBodyBudget(1000);
    const shares = createHeldBodyShares(budget);
    expect(shares.of('jwt:a', 100).take(750)).toBe(true);
    expect(shares.of('jwt:a', 100).take(1)).toBe(false);
    expect(shares.of('jwt:b', 100).take(250)).toBe(true);
    expect(budget.heldBytes).toBe(1000);
  });

  it('keeps no entry for the callers that held and gave back: a million of them leave nothing behind', () => {
    const shares = createHeldBodyShares(createHeldBodyBudget(1000));
    for (let index = 0; index < 1_000_000; index += 1) {
      const view = shares.of(`jwt:${index}`, 10);
      view.take(10);
      view.give(10);
    }
    expect(shares.holders).toBe(0);
  });
});
