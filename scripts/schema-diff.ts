/**
 * What changed for clients between two versions of the schema, in graphql-js's own terms: a BREAKING change makes
 * an operation that was valid before invalid (or its result unexpected), a DANGEROUS one can surprise a client
 * that assumed the old shape (a new enum value in an exhaustive `switch`, a new optional input field it cannot
 * send yet). Pure: no files, no process; scripts/check-schema-changes.ts does the I/O.
 */
import { buildSchema, findBreakingChanges, findDangerousChanges, type GraphQLSchema } from 'graphql';

/** How much a change can hurt a client. */
export type SchemaChangeSeverity = 'BREAKING' | 'DANGEROUS';

/** One change, as graphql-js names and describes it (e.g. `FIELD_REMOVED`, "Gateway.region was removed."). */
export interface SchemaChange {
  severity: SchemaChangeSeverity;
  /** graphql-js's BreakingChangeType or DangerousChangeType. */
  type: string;
  description: string;
}

/** The outcome of `npm run schema:check`: the changes, the text it prints and the exit code it sets. */
export interface SchemaCheckResult {
  changes: SchemaChange[];
  report: string;
  /** 1 when there is a breaking change and breaking changes are not allowed, else 0. */
  exitCode: 0 | 1;
}

/** Options of checkSchemaChanges. */
export interface SchemaCheckOptions {
  /** The schema clients were built against, as SDL (the committed schema/schema.graphql). */
  baselineSdl: string;
  /** The schema the code builds now. */
  current: GraphQLSchema;
  /** Where the baseline came from, named in the report. */
  baselineName: string;
  /** Report breaking changes without failing (a deliberate, announced break). @default false */
  allowBreaking?: boolean;
}

/** Every change from `before` to `after` that a client can notice: breaking ones first, each group sorted. */
export function diffSchemas(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const byDescription = (a: SchemaChange, b: SchemaChange) =>
    a.type.localeCompare(b.type) || a.description.localeCompare(b.description);
  const breaking = findBreakingChanges(before, after).map(
    ({ type, description }): SchemaChange => ({ severity: 'BREAKING', type, description }),
  );
  const dangerous = findDangerousChanges(before, after).map(
    ({ type, description }): SchemaChange => ({ severity: 'DANGEROUS', type, description }),
  );
  return [...breaking.sort(byDescription), ...dangerous.sort(byDescription)];
}

/** The changes grouped under BREAKING and DANGEROUS headings, one `TYPE  description` line each. */
export function formatSchemaChanges(changes: readonly SchemaChange[]): string {
  const severities: SchemaChangeSeverity[] = ['BREAKING', 'DANGEROUS'];
  return severities
    .map((severity) => {
      const group = changes.filter((change) => change.severity === severity);
      if (group.length === 0) return `${severity}: none`;
      return [`${severity} (${group.length}):`, ...group.map((change) => `  ${change.type}  ${change.description}`)].join('\n');
    })
    .join('\n');
}

/** Compares the baseline SDL with the current schema and decides the exit code. */
export function checkSchemaChanges({
  baselineSdl,
  current,
  baselineName,
  allowBreaking = false,
}: SchemaCheckOptions): SchemaCheckResult {
  const changes = diffSchemas(buildSchema(baselineSdl), current);
  const breaking = changes.filter((change) => change.severity === 'BREAKING').length;
  const verdict =
    breaking === 0
      ? `No breaking change since ${baselineName}.`
      : allowBreaking
        ? `${breaking} breaking change(s) since ${baselineName}, allowed by --allow-breaking: tell the clients before releasing, then run npm run codegen.`
        : `${breaking} breaking change(s) since ${baselineName}: clients built against it may fail. Keep the old field or value (deprecate it instead), or re-run with --allow-breaking if the break is intended.`;
  return {
    changes,
    report: `Schema changes since ${baselineName}:\n${formatSchemaChanges(changes)}\n${verdict}`,
    exitCode: breaking > 0 && !allowBreaking ? 1 : 0,
  };
}
