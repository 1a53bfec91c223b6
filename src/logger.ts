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

/** Creates the process logger; tests pass a destination that keeps the lines in memory. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { service: 'faceid-gateway' }, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } },
    destination,
  );
}
