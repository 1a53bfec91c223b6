/** An in-memory log destination: every line the gateway logs, for assertions. */
import { Writable } from 'node:stream';

export interface MemoryLog {
  stream: Writable;
  /** Raw lines, as they would reach stdout. */
  readonly lines: string[];
  /** Parsed lines. */
  entries(): Array<Record<string, unknown>>;
}

export function createMemoryLog(): MemoryLog {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        lines.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
  return { stream, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
