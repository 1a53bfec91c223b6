/**
 * `npm run schema:check`: compares the schema the code builds now with the one clients were built against
 * (the committed schema/schema.graphql, or `--baseline <file>`), prints every BREAKING and DANGEROUS change and
 * exits 1 on a breaking one. Run it before `npm run codegen`, which overwrites schema/schema.graphql. In CI,
 * compare with the target branch: `git show origin/main:schema/schema.graphql > /tmp/base.graphql` then
 * `npm run schema:check -- --baseline /tmp/base.graphql`.
 *
 * Options: `--baseline <file>` (default schema/schema.graphql), `--allow-breaking` (report, exit 0). Exit codes:
 * 0 no breaking change (or allowed), 1 breaking change, 2 the baseline could not be read or parsed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSchema } from '../src/schema/index.js';
import { checkSchemaChanges } from './schema-diff.js';
import { SCHEMA_ARTIFACTS } from './schema-sdl.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    baseline: { type: 'string', default: SCHEMA_ARTIFACTS.schema },
    'allow-breaking': { type: 'boolean', default: false },
  },
});

try {
  const result = checkSchemaChanges({
    // A relative --baseline is read from the repository root, where npm runs scripts.
    baselineSdl: readFileSync(resolve(repoRoot, values.baseline), 'utf8'),
    baselineName: values.baseline,
    current: createSchema(),
    allowBreaking: values['allow-breaking'],
  });
  console.log(result.report);
  process.exitCode = result.exitCode;
} catch (error) {
  // An unreadable or invalid baseline is not a verdict on the schema: say so, with its own exit code.
  console.error(`schema:check could not compare with ${values.baseline}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
