/** Custom scalars. */
import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO 8601 date-time string, such as "2026-01-31T12:00:00.000Z".');
  }
  return date;
}

export const DateTime = builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO 8601 string in UTC with milliseconds, e.g. `2026-01-31T12:00:00.000Z`.',
  serialize: (value) => value.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
