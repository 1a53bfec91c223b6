import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchemaChanges, diffSchemas, type SchemaChangeSeverity } from '../scripts/schema-diff.js';
import { SCHEMA_ARTIFACTS } from '../scripts/schema-sdl.js';
import { createSchema } from '../src/schema/index.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A small schema in the gateway's image; each case below edits one thing in it. */
const BASELINE = /* GraphQL */ `
  type Query { gateway: Gateway! }
  type Mutation { getSelfieToken(input: GetSelfieTokenInput!): SelfieToken! }
  type Gateway { region: String! upstream: Upstream! }
  enum Upstream { TENCENT_CLOUD EMULATOR }
  input GetSelfieTokenInput { extra: String }
  type SelfieToken { sdkToken: String! }
`;

/** Applies one textual edit to the baseline, and refuses an edit that matched nothing (the case would prove nothing). */
function edited(search: string, replacement: string): string {
  const sdl = BASELINE.replace(search, replacement);
  if (sdl === BASELINE) throw new Error(`the edit found no "${search}" in the baseline`);
  return sdl;
}

describe('diffSchemas', () => {
  it.each<[change: string, after: string, expected: Array<[SchemaChangeSeverity, string]>]>([
    ['removing a field', edited('region: String! ', ''), [['BREAKING', 'FIELD_REMOVED']]],
    ['removing an enum value', edited(' EMULATOR', ''), [['BREAKING', 'VALUE_REMOVED_FROM_ENUM']]],
    ['making a result field nullable', edited('sdkToken: String!', 'sdkToken: String'), [['BREAKING', 'FIELD_CHANGED_KIND']]],
    ['adding a required input field', edited('extra: String', 'extra: String retryLimit: Int!'), [['BREAKING', 'REQUIRED_INPUT_FIELD_ADDED']]],
    ['adding an enum value', edited('EMULATOR', 'EMULATOR MOCK'), [['DANGEROUS', 'VALUE_ADDED_TO_ENUM']]],
    ['adding an optional input field', edited('extra: String', 'extra: String retryLimit: Int'), [['DANGEROUS', 'OPTIONAL_INPUT_FIELD_ADDED']]],
    ['adding an optional result field', edited('sdkToken: String!', 'sdkToken: String! expiresAt: String'), []],
    ['adding a type', `${BASELINE} type TokenLimits { maxActions: Int! }`, []],
    ['changing a description', edited('type Gateway', '"This gateway." type Gateway'), []],
  ])('classifies %s', (_change, after, expected) => {
    const changes = diffSchemas(buildSchema(BASELINE), buildSchema(after));
    expect(changes.map(({ severity, type }) => [severity, type])).toEqual(expected);
  });

  it('lists breaking changes before dangerous ones', () => {
    const after = buildSchema(BASELINE.replace('EMULATOR', 'EMULATOR MOCK').replace('region: String! ', ''));
    expect(diffSchemas(buildSchema(BASELINE), after).map(({ severity }) => severity)).toEqual(['BREAKING', 'DANGEROUS']);
  });
});

describe('checkSchemaChanges', () => {
  it.each<[change: string, exitCode: 0 | 1, after: string, allowBreaking: boolean]>([
    ['a breaking change', 1, edited('region: String! ', ''), false],
    ['a breaking change with --allow-breaking', 0, edited('region: String! ', ''), true],
    ['a dangerous change only', 0, edited('EMULATOR', 'EMULATOR MOCK'), false],
    ['no change', 0, BASELINE, false],
  ])('answers %s with exit code %i', (_change, exitCode, after, allowBreaking) => {
    const result = checkSchemaChanges({ baselineSdl: BASELINE, current: buildSchema(after), baselineName: 'base.graphql', allowBreaking });
    expect(result.exitCode).toBe(exitCode);
  });

  it('prints each change with its type and description, grouped by severity', () => {
    const current = buildSchema(BASELINE.replace('EMULATOR', 'EMULATOR MOCK').replace('region: String! ', ''));
    const { report } = checkSchemaChanges({ baselineSdl: BASELINE, current, baselineName: 'base.graphql' });
    expect(report).toBe(
      [
        'Schema changes since base.graphql:',
        'BREAKING (1):',
        '  FIELD_REMOVED  Gateway.region was removed.',
        'DANGEROUS (1):',
        '  VALUE_ADDED_TO_ENUM  MOCK was added to enum type Upstream.',
        '1 breaking change(s) since base.graphql: clients built against it may fail. Keep the old field or value (deprecate it instead), or re-run with --allow-breaking if the break is intended.',
      ].join('\n'),
    );
  });

  it('finds no breaking change between the committed schema/schema.graphql and createSchema()', () => {
    const result = checkSchemaChanges({
      baselineSdl: readFileSync(join(REPO_ROOT, SCHEMA_ARTIFACTS.schema), 'utf8'),
      baselineName: SCHEMA_ARTIFACTS.schema,
      current: createSchema(),
    });
    expect(result.changes.filter(({ severity }) => severity === 'BREAKING')).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});

describe('npm run schema:check', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  /** A baseline with a field the current schema lacks: to the check, that field was removed. */
  function baselineWithExtraField(): string {
    const committed = readFileSync(join(REPO_ROOT, SCHEMA_ARTIFACTS.schema), 'utf8');
    const withField = committed.replace('type Gateway {', 'type Gateway {\n  legacyRegion: String\n');
    expect(withField).not.toBe(committed);
    const file = join(workDir, 'base.graphql');
    writeFileSync(file, withField);
    return file;
  }

  /** Runs the script as `npm run schema:check -- …args` does. */
  function runSchemaCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'scripts/check-schema-changes.ts', ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  }

  it.each<[situation: string, args: () => string[], code: number, output: RegExp]>([
    ['the committed schema', () => [], 0, /BREAKING: none\nDANGEROUS: none\nNo breaking change since schema\/schema.graphql\./],
    ['a baseline with a field since removed', () => ['--baseline', baselineWithExtraField()], 1, /BREAKING \(1\):\n {2}FIELD_REMOVED {2}Gateway\.legacyRegion was removed\./],
    ['a baseline that does not exist', () => ['--baseline', join(workDir, 'missing.graphql')], 2, /could not compare with .*missing\.graphql: ENOENT/],
  ])('compares with %s', async (_situation, args, code, output) => {
    const result = await runSchemaCheck(args());
    expect(result.code).toBe(code);
    expect(`${result.stdout}${result.stderr}`).toMatch(output);
  });
});
