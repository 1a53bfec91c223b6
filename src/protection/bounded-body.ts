/**
 * Reads a request body into one buffer with two bounds: its size, and the number of pieces it may arrive in.
 *
 * A piece is what node hands over at a time: one HTTP chunk of a chunked body, or one read of the socket. Node
 * builds a Buffer object of a few hundred bytes for every piece, however small, and parses every chunk header, so
 * a body kept as a list of its pieces, or read one piece per promise, costs far more than its size when a client
 * sends it a byte at a time: before this reader, a 6 MB upload of one-byte chunks (1 million pieces) held 500 MB of
 * the gateway's memory and 2.5 s of its CPU, and 24 MB held 1.6 GB and 11 s. Here each piece is copied into the
 * body at once and let go, and a body that arrives in more pieces than its size can explain is refused early.
 */
import type { IncomingMessage } from 'node:http';

/** Pieces any body may take, whatever its size: room for a client that writes a small body in small steps. */
export const BODY_PIECES_ALLOWANCE = 1024;

/**
 * Beyond the allowance, one more piece for every this many bytes. Real clients write bodies in kilobytes (fetch
 * and node send a string or buffer whole; streaming uploads come in the stream's chunks, usually 16–64 KiB), and
 * TCP carries them in segments of about 1.4 KB, which the socket reads coalesce further: an average under 256
 * bytes a piece is only ever made on purpose. A body of MAX_REQUEST_BODY_BYTES may take about 34,000 pieces.
 */
export const MIN_AVERAGE_BODY_PIECE_BYTES = 256;

/** How many pieces a body of `bytes` so far may have arrived in. */
export function maxBodyPieces(bytes: number): number {
  return BODY_PIECES_ALLOWANCE + Math.floor(bytes / MIN_AVERAGE_BODY_PIECE_BYTES);
}

/**
 * The first bytes of every body are not counted against the held-body budget: a request without an image is a few
 * hundred bytes, so token requests never wait on the budget, and the connection cap bounds what these bytes can add
 * up to (4,096 connections × 64 KiB = 256 MiB).
 */
export const UNBUDGETED_BODY_BYTES = 64 * 1024;

/**
 * Memory that request bodies may hold at once, beyond each one's first UNBUDGETED_BODY_BYTES, from the first byte
 * read until the answer is sent: an upload in progress, and a request waiting in the throttle with its image.
 */
export interface HeldBodyBudget {
  /** Takes `bytes` if they fit in what is left; otherwise takes nothing and returns false. */
  take(bytes: number): boolean;
  /** Gives back `bytes` taken earlier. */
  give(bytes: number): void;
  /** Bytes taken now. */
  readonly heldBytes: number;
  readonly limitBytes: number;
  /** For one caller's view of a budget (createHeldBodyShares): its share, kept free for it while it holds less. */
  readonly callerLimitBytes?: number;
}

/**
 * The largest default held-body budget: 32 bodies of the largest size (an 8 MiB base64 image), or about a thousand
 * of a usual 250 KB selfie, at once. Tencent takes 20 calls per second per action, so a replica rarely holds more
 * than a few seconds' worth; without a bound, 100 connections each sending most of a largest body and then
 * stalling held 910 MB of a gateway's memory, and the connection cap allows forty times that.
 */
export const DEFAULT_MAX_HELD_BODY_BYTES = 256 * 1024 * 1024;

/**
 * The default budget is at most this fraction of the V8 heap limit. A byte held costs about three in memory while
 * its request lives: the body's bytes, the image's string parsed from them (on the V8 heap), and the upstream
 * request's copy while it is sent, plus the garbage of decoding and serialising them until the next full
 * collection. Forty 8 MiB images at once ended a gateway with a 512 MiB heap; with an eighth of the heap, images
 * beyond that budget wait for a retry instead (resident memory peaked near 450 MB).
 */
export const HELD_BODY_HEAP_FRACTION = 1 / 8;

/** The smallest held-body budget: room for a body of the largest size (8 MiB of image) with another arriving. */
export const MIN_MAX_HELD_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The held-body budget when HTTP_MAX_HELD_BODY_BYTES is not set: an eighth of the V8 heap limit (which follows
 * `--max-old-space-size` or the container's memory), from MIN_MAX_HELD_BODY_BYTES to DEFAULT_MAX_HELD_BODY_BYTES.
 */
export function defaultMaxHeldBodyBytes(heapLimitBytes: number): number {
  const share = Math.floor((heapLimitBytes * HELD_BODY_HEAP_FRACTION) / 2 ** 20) * 2 ** 20;
  return Math.min(DEFAULT_MAX_HELD_BODY_BYTES, Math.max(MIN_MAX_HELD_BODY_BYTES, share));
}

/** Creates a held-body budget of `limitBytes`. */
export function createHeldBodyBudget(limitBytes: number): HeldBodyBudget {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) throw new TypeError(`limitBytes must be a non-negative integer, got ${limitBytes}`);
  let heldBytes = 0;
  return {
    take(bytes) {
      if (heldBytes + bytes > limitBytes) return false;
      heldBytes += bytes;
      return true;
    },
    give(bytes) {
      heldBytes -= bytes;
    },
    get heldBytes() {
      return heldBytes;
    },
    limitBytes,
  };
}

/**
 * The share of the held-body budget kept for every caller. Only callers who may mint send bodies past the free
 * bytes, but any one of them, by starting uploads of the largest size and stalling them, could otherwise hold the
 * whole budget for the request timeout and have every other caller's image refused meanwhile: nine such uploads
 * filled a 70 MiB budget. So a caller may always hold up to this share (when the budget has room), and past it only
 * what leaves a share free for the others: a caller alone still uses three quarters of the budget, and holding
 * the whole of it takes as many callers as there are shares. A share is never less than the largest single thing
 * being charged (one request body of the largest size; for a verification result, one answer of
 * FACEID_MAX_RESPONSE_BYTES), nor more than the budget: with the default budgets (16–256 MiB), images of one caller
 * are guaranteed from one to seven 8 MiB images, or 64 to 260 usual 250 KB selfies.
 */
export const MAX_CALLER_HELD_BODY_SHARE = 1 / 4;

/** Gives each caller a view of a budget that also holds it to its own share (see MAX_CALLER_HELD_BODY_SHARE). */
export interface HeldBodyShares {
  /**
   * The budget as `callerId` may use it, for charges of at most `largestChargeBytes` each: up to its share (never
   * less than that charge, nor more than the whole budget), and past it only what leaves a share free.
   */
  of(callerId: string, largestChargeBytes: number): HeldBodyBudget;
  /** Callers holding bytes now (each has an entry only while it holds some). */
  readonly holders: number;
}

/**
 * Creates the per-caller shares of `budget`. What a caller holds is counted once across every view of it; the
 * count lives only while the caller holds bytes, so the map never has more entries than bodies held at once.
 */
export function createHeldBodyShares(budget: HeldBodyBudget): HeldBodyShares {
  const share = Math.floor(budget.limitBytes * MAX_CALLER_HELD_BODY_SHARE);
  const heldBy = new Map<string, number>();
  return {
    of(callerId, largestChargeBytes) {
      const callerLimitBytes = Math.min(budget.limitBytes, Math.max(share, largestChargeBytes));
      return {
        take(bytes) {
          const held = heldBy.get(callerId) ?? 0;
          const leavesAShareFree = budget.heldBytes + bytes <= budget.limitBytes - callerLimitBytes;
          if ((held + bytes > callerLimitBytes && !leavesAShareFree) || !budget.take(bytes)) return false;
          heldBy.set(callerId, held + bytes);
          return true;
        },
        give(bytes) {
          budget.give(bytes);
          const held = (heldBy.get(callerId) ?? 0) - bytes;
          if (held > 0) heldBy.set(callerId, held);
          else heldBy.delete(callerId);
        },
        get heldBytes() {
          return heldBy.get(callerId) ?? 0;
        },
        limitBytes: budget.limitBytes,
        callerLimitBytes,
      };
    },
    get holders() {
      return heldBy.size;
    },
  };
}

/**
 * The body, or why there is none. `drained` says whether an oversized upload was read to its end (and discarded).
 * `release` gives the body's bytes back to the held-body budget: call it when the request is answered.
 */
export type BodyReadResult =
  | { ok: true; body: Buffer<ArrayBuffer>; release: () => void }
  | { ok: false; reason: 'tooLarge'; drained: boolean }
  | { ok: false; reason: 'tooFragmented'; pieces: number; bytes: number }
  | { ok: false; reason: 'overBudget'; limitBytes: number; callerLimitBytes?: number | undefined; draining: boolean }
  | { ok: false; reason: 'aborted' };

/** What a collector says of each piece added. */
export type BodyPieceVerdict = 'ok' | 'tooLarge' | 'tooFragmented' | 'overBudget';

/** First allocation for a body of unknown size that comes in more than one piece; it doubles as needed. */
const INITIAL_UNKNOWN_SIZE_BYTES = 16 * 1024;

/**
 * A body being collected: pieces are copied in as they come, then `body()` returns the whole. A body in one piece
 * (most are: node reads a small request whole) is kept as that piece, without a copy. From the second piece on,
 * pieces are copied into one buffer that grows by doubling, never past `expectedBytes` (a Content-Length already
 * checked against `maxBytes`) or `maxBytes`: a body costs at most twice what has arrived of it, whatever length it
 * announces. What it holds past UNBUDGETED_BODY_BYTES is taken from `budget` as it grows.
 */
export class BodyCollector {
  /** Bytes seen so far, kept or not. */
  bytes = 0;
  /** Pieces seen so far. */
  pieces = 0;
  #first: Uint8Array | undefined;
  #buffer: Buffer<ArrayBuffer> | undefined;
  #charged = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly expectedBytes?: number,
    private readonly budget?: HeldBodyBudget,
  ) {}

  /** Copies `piece` in (unless the body is already over `maxBytes`) and says whether the body is still acceptable. */
  add(piece: Uint8Array): BodyPieceVerdict {
    this.pieces += 1;
    this.bytes += piece.byteLength;
    // Counted before the size, so that an upload being thrown away past the size bound is still held to it.
    if (this.pieces > maxBodyPieces(this.bytes)) return 'tooFragmented';
    if (this.bytes > this.maxBytes) return 'tooLarge';
    if (this.pieces === 1) {
      if (!this.#charge(piece.byteLength)) return 'overBudget';
      this.#first = piece;
      return 'ok';
    }
    const offset = this.bytes - piece.byteLength;
    if (!this.#buffer || this.bytes > this.#buffer.length) {
      const doubled = 2 * (this.#buffer?.length ?? INITIAL_UNKNOWN_SIZE_BYTES / 2);
      const size = Math.min(this.expectedBytes ?? this.maxBytes, this.maxBytes, Math.max(this.bytes, doubled));
      if (!this.#charge(size)) return 'overBudget';
      const grown = Buffer.allocUnsafe(size);
      if (this.#buffer) this.#buffer.copy(grown, 0, 0, offset);
      else grown.set(this.#first!, 0);
      this.#buffer = grown;
      this.#first = undefined;
    }
    this.#buffer.set(piece, offset);
    return 'ok';
  }

  /**
   * Counts `piece` without keeping it, for an upload being read only to be thrown away; says whether it is still
   * within the piece bound and `discardLimit`.
   */
  skip(piece: Uint8Array, discardLimit: number): 'ok' | 'tooLarge' | 'tooFragmented' {
    this.pieces += 1;
    this.bytes += piece.byteLength;
    if (this.pieces > maxBodyPieces(this.bytes)) return 'tooFragmented';
    return this.bytes > discardLimit ? 'tooLarge' : 'ok';
  }

  /** The bytes collected, as one Buffer. */
  body(): Buffer<ArrayBuffer> {
    if (this.#buffer) return this.#buffer.subarray(0, Math.min(this.bytes, this.maxBytes));
    const first = this.#first;
    if (!first) return Buffer.alloc(0);
    return Buffer.isBuffer(first) ? (first as Buffer<ArrayBuffer>) : Buffer.from(first.buffer as ArrayBuffer, first.byteOffset, first.byteLength);
  }

  /** Gives back to the budget what the body took from it; later calls do nothing. */
  release(): void {
    this.budget?.give(this.#charged);
    this.#charged = 0;
  }

  /** Takes from the budget what holding `capacity` bytes adds to what was taken; false when it does not fit. */
  #charge(capacity: number): boolean {
    if (!this.budget) return true;
    const needed = Math.max(0, capacity - UNBUDGETED_BODY_BYTES) - this.#charged;
    if (needed <= 0) return true;
    if (!this.budget.take(needed)) return false;
    this.#charged += needed;
    return true;
  }
}

/** Creates a collector for a body of at most `maxBytes`, of `expectedBytes` when its Content-Length said so. */
export function createBodyCollector(maxBytes: number, expectedBytes?: number, budget?: HeldBodyBudget): BodyCollector {
  return new BodyCollector(maxBytes, expectedBytes, budget);
}

/** How a body is read: its size bound, how far past it an upload is read only to be thrown away, and the budget. */
export interface BodyReadOptions {
  /** Largest body kept. */
  limit: number;
  /** Past `limit`, bytes are still read (and dropped) up to this many. @default limit */
  discardLimit?: number;
  /** Memory shared by all bodies being held; none when absent. */
  budget?: HeldBodyBudget;
}

/** The failure `result`, after giving back whatever `collector` took from the budget. */
function failed(collector: BodyCollector, result: Exclude<BodyReadResult, { ok: true }>): BodyReadResult {
  collector.release();
  return result;
}

/** The failure a verdict other than 'ok' and 'tooLarge' stands for. */
function refusedPiece(collector: BodyCollector, verdict: 'tooFragmented' | 'overBudget', budget: HeldBodyBudget | undefined): BodyReadResult {
  return verdict === 'tooFragmented'
    ? failed(collector, { ok: false, reason: 'tooFragmented', pieces: collector.pieces, bytes: collector.bytes })
    : failed(collector, { ok: false, reason: 'overBudget', limitBytes: budget?.limitBytes ?? 0, callerLimitBytes: budget?.callerLimitBytes, draining: false });
}

/**
 * Reads `request`'s body, up to `limit` bytes. Past the limit nothing more is kept; the rest is read and thrown
 * away up to `discardLimit` (for clients that must finish sending before they read an answer), and past that, or
 * past the piece bound, reading stops: the caller should answer with `Connection: close`, which is what stops node
 * from parsing the rest of the upload.
 *
 * A body that does not fit in the budget settles at once as `overBudget` with `draining: true`, and what it took is
 * given back; the rest of the upload, up to `limit`, is then read and thrown away, holding no memory. So the
 * refusal can be answered while the client is still sending: most clients only read an answer once their upload is
 * written, and closing the connection under them would show them a reset connection instead of a refusal they can
 * retry. An upload that breaks the piece bound or `limit` while it drains is cut off by pausing it.
 */
export function readBoundedBody(request: IncomingMessage, options: BodyReadOptions): Promise<BodyReadResult> {
  const { limit, discardLimit = limit, budget } = options;
  const lengthHeader = request.headers['content-length'];
  const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (declared !== undefined && declared > discardLimit) return Promise.resolve({ ok: false, reason: 'tooLarge', drained: false });
  // The client may have left while the request waited to be read (authentication runs first): its 'close' has
  // already been emitted, and a read that waited for it would never settle, leaving the request unanswered and
  // unlogged.
  if (request.destroyed) return Promise.resolve({ ok: false, reason: 'aborted' });
  const collector = createBodyCollector(limit, declared !== undefined && declared <= limit ? declared : undefined, budget);
  return new Promise((resolve) => {
    let tooLarge = declared !== undefined && declared > limit;
    let settled = false;
    let draining = false;
    const settle = (result: BodyReadResult) => {
      if (settled) return;
      settled = true;
      if (!draining) request.removeListener('data', onData);
      resolve(result);
    };
    const stop = (result: BodyReadResult) => {
      request.pause();
      settle(result);
    };
    const onData = (piece: Buffer) => {
      if (draining) {
        if (collector.skip(piece, limit) !== 'ok') {
          request.removeListener('data', onData);
          request.pause();
        }
        return;
      }
      const verdict = collector.add(piece);
      if (verdict === 'overBudget') {
        collector.release();
        draining = true;
        return settle({ ok: false, reason: 'overBudget', limitBytes: budget?.limitBytes ?? 0, callerLimitBytes: budget?.callerLimitBytes, draining: true });
      }
      if (verdict === 'tooFragmented') return stop(refusedPiece(collector, verdict, budget));
      if (verdict === 'tooLarge') tooLarge = true;
      if (collector.bytes > discardLimit) stop(failed(collector, { ok: false, reason: 'tooLarge', drained: false }));
    };
    request.on('data', onData);
    request.once('end', () =>
      settle(
        tooLarge
          ? failed(collector, { ok: false, reason: 'tooLarge', drained: true })
          : { ok: true, body: collector.body(), release: () => collector.release() },
      ),
    );
    // A client that leaves mid-upload makes node destroy the IncomingMessage with an 'aborted' error; a stream
    // destroyed without one only closes. Either way the read settles, and what it took from the budget goes back.
    // Checked first: 'close' also follows a complete body, whose bytes stay taken until its request is answered.
    const aborted = () => {
      if (!settled) settle(failed(collector, { ok: false, reason: 'aborted' }));
    };
    request.once('error', aborted);
    request.once('close', aborted);
  });
}

/** Reads a web `ReadableStream` body (an in-process request) under the same bounds, stopping at the first breach. */
export async function readBoundedStream(body: ReadableStream<Uint8Array>, options: Pick<BodyReadOptions, 'limit' | 'budget'>): Promise<BodyReadResult> {
  const collector = createBodyCollector(options.limit, undefined, options.budget);
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { ok: true, body: collector.body(), release: () => collector.release() };
    const verdict = collector.add(value);
    if (verdict === 'ok') continue;
    await reader.cancel().catch(() => undefined);
    return verdict === 'tooLarge' ? failed(collector, { ok: false, reason: 'tooLarge', drained: false }) : refusedPiece(collector, verdict, options.budget);
  }
}
