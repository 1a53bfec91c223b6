/** Structured JSON logs. The gateway never passes secrets, headers or images to the logger; redaction is the net. */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Paths pino censors wherever they appear one or two levels deep. */
export const REDACTED_LOG_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'secretKey',
  '*.secretKey',
  'sessionToken',
  '*.sessionToken',
  'credentials',
  '*.credentials',
  'image',
  'compareImage',
  '*.image',
  '*.compareImage',
  'variables',
  '*.variables',
];

/**
 * Log lines are written to stdout in batches of at least this many bytes rather than one write per line: one
 * system call carries about twenty request lines, which took a measurable share of each request's CPU.
 */
export const LOG_BATCH_BYTES = 4096;
/** Longest a line waits in the batch when traffic is too light to fill it. */
export const LOG_FLUSH_INTERVAL_MS = 500;
/**
 * Most bytes waiting to be written when stdout cannot keep up (a slow pipe or disk): past this, lines are dropped
 * instead of growing the process without bound.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** The process's log destination: stdout, batched, flushed on a timer and synchronously when the process exits. */
export function createStdoutDestination(): DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
    maxLength: LOG_BUFFER_MAX_BYTES,
  });
}

/** Creates the process logger; tests pass a destination that keeps the lines in memory. */
export function createLogger(level: LogLevel, destination: DestinationStream = createStdoutDestination()): Logger {
  return pino(
    { level, base: { service: 'faceid-gateway' }, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } },
    destination,
  );
}
