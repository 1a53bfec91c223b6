import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.js';
import { SCHEMA_ARTIFACTS } from '../scripts/schema-sdl.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const readCommitted = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

// What `npm run codegen` would write now, from the same config, generated in memory and written nowhere.
const outputs: Array<{ filename: string; content: string }> = await generate({ ...codegenConfig, cwd: REPO_ROOT, silent: true }, false);
const generated = outputs.map(({ filename, content }) => ({ file: relative(REPO_ROOT, join(REPO_ROOT, filename)), content }));

describe('committed schema artifacts', () => {
  it('generates both schema files and the typed documents', () => {
    expect(generated.map(({ file }) => file)).toEqual(
      expect.arrayContaining([SCHEMA_ARTIFACTS.schema, SCHEMA_ARTIFACTS.subgraph, `${SCHEMA_ARTIFACTS.generated}graphql.ts`]),
    );
  });

  it.each(generated.map(({ file, content }) => [file, content]))('%s is what npm run codegen generates now', (file, content) => {
    const committed = existsSync(join(REPO_ROOT, file)) ? readCommitted(file) : '(missing)';
    expect(committed, `${file} is stale: run npm run codegen and commit the result`).toBe(content);
  });

  it('holds nothing in schema/generated/ that codegen no longer generates', () => {
    const directory = SCHEMA_ARTIFACTS.generated;
    const present = readdirSync(join(REPO_ROOT, directory)).map((name) => `${directory}${name}`);
    const expected = generated.map(({ file }) => file).filter((file) => file.startsWith(directory));
    expect(present.sort(), `stale files in ${directory}: delete them and run npm run codegen`).toEqual(expected.sort());
  });
});

describe('schema/schema.graphql for clients', () => {
  const operationFiles = readdirSync(join(REPO_ROOT, 'schema/operations')).map((name) => `schema/operations/${name}`);

  it('loads with graphql-js on its own, without federation directive definitions', () => {
    const schema = buildSchema(readCommitted(SCHEMA_ARTIFACTS.schema));
    expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual(['applyEkycToken', 'getSelfieToken']);
  });

  it.each(operationFiles)('accepts the example operation %s', (file) => {
    const schema = buildSchema(readCommitted(SCHEMA_ARTIFACTS.schema));
    expect(validate(schema, parse(readCommitted(file))).map((error) => error.message)).toEqual([]);
  });
});
