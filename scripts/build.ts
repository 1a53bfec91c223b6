/**
 * `npm run build` (also run by `npm ci` and `npm install`, as `prepare`): bundles the gateway into dist/ for
 * `npm start`.
 *
 * One bundle rather than tsc's file-per-module output: start-up time goes to finding and reading modules, and the
 * gateway's dependencies are hundreds of files (graphql, yoga, got, Pothos, Apollo's federation code). A bundle is
 * one file, parsed once. The GraphiQL renderer (9 MB) stays a separate chunk, loaded only when GraphiQL is opened.
 * dist/server.js sits one level below the repository root, as src/server.ts does, so paths resolved from
 * `import.meta.url` (schema/operations) find the same files.
 */
import { build, type BuildResult, type Plugin } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm start` finds the gateway. */
export const BUILD_DIRECTORY = 'dist';

/**
 * graphql-js as its ES modules (`.mjs`), for every importer. graphql ships both builds and names the CommonJS one
 * as `main`, which esbuild picks for Node; the bundle then reached every graphql function through two getters
 * (esbuild's interop namespace, then graphql's own re-exports), and the executor calls them for every field: 23 %
 * of the CPU of answering introspection queries went to those getters. The CommonJS packages that `require`
 * graphql (Apollo's federation code) are given the same ES modules, so there is one copy of graphql, and one
 * `GraphQLError` class, in the bundle.
 */
const graphqlAsEsModules: Plugin = {
  name: 'graphql-as-es-modules',
  setup(build) {
    build.onResolve({ filter: /^graphql(\/.*)?$/ }, async ({ path, kind, resolveDir, pluginData }) => {
      if (pluginData === graphqlAsEsModules) return undefined;
      const resolved = await build.resolve(path, { kind, resolveDir, pluginData: graphqlAsEsModules });
      if (resolved.errors.length > 0 || !resolved.path.endsWith('.js')) return resolved;
      const esModule = resolved.path.replace(/\.js$/, '.mjs');
      return existsSync(esModule) ? { ...resolved, path: esModule } : resolved;
    });
  },
};

/**
 * Bundles src/server.ts into `dist/server.js` (and its lazily loaded chunks), into an emptied directory: chunk
 * names carry a content hash, so without it every build would leave the previous build's chunks beside the new ones.
 */
export async function buildGateway(outdir: string = BUILD_DIRECTORY): Promise<BuildResult> {
  rmSync(resolve(ROOT, outdir), { recursive: true, force: true });
  return build({
    absWorkingDir: ROOT,
    entryPoints: { server: 'src/server.ts' },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // Some bundled CommonJS packages call require() for Node built-ins; ESM has no require of its own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
    plugins: [graphqlAsEsModules],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildGateway();
}
