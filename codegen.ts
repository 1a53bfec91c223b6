/**
 * `npm run codegen`: prints the schema that createSchema() builds, in its two committed forms, and generates the
 * typed documents of the example operations in schema/operations/. Every output is committed and reviewed;
 * test/schema-artifacts.test.ts fails when one is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { GENERATED_SDL_NOTICE, SCHEMA_ARTIFACTS, printClientSchema, printSubgraphSdl } from './scripts/schema-sdl.js';
import { createSchema } from './src/schema/index.js';

const schema = createSchema();
const clientSchemaSdl = printClientSchema(schema);

const config: CodegenConfig = {
  // The SDL text, not a path to src/schema: codegen never loads the Pothos builder, whose federation `@link`
  // directive codegen's loader rejects, and the documents are checked against exactly the text committed as schema/schema.graphql.
  schema: clientSchemaSdl,
  documents: [SCHEMA_ARTIFACTS.operations],
  ignoreNoDocuments: false,
  generates: {
    // Both SDL files are printed by scripts/schema-sdl.ts (the `add` plugin only writes the text) so that they
    // share one printer; schema-ast would reprint codegen's merged copy of the same schema.
    [SCHEMA_ARTIFACTS.schema]: { plugins: [{ add: { content: `${GENERATED_SDL_NOTICE}\n${clientSchemaSdl}` } }] },
    [SCHEMA_ARTIFACTS.subgraph]: { plugins: [{ add: { content: `${GENERATED_SDL_NOTICE}\n${printSubgraphSdl(schema)}` } }] },
    [SCHEMA_ARTIFACTS.generated]: {
      preset: 'client',
      // The example operations have no fragments, so there is nothing to mask.
      presetConfig: { fragmentMasking: false },
      config: {
        // ESM with NodeNext resolution needs explicit .js extensions in relative imports; verbatimModuleSyntax needs
        // type-only imports.
        importExtension: '.js',
        useTypeImports: true,
        // A new scalar must be given a TypeScript type on purpose, never `any`.
        strictScalars: true,
        // _Any is federation's entity representation (`_entities(representations:)`), which no client operation sends.
        scalars: { DateTime: 'string', _Any: 'unknown' },
      },
    },
  },
};

export default config;
