import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite would resolve `graphql` to its .mjs build while yoga loads the .js one; two copies break
    // `instanceof GraphQLError` and yoga then masks the gateway's own coded errors.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The hostile-input and compatibility suites start real gateway processes and measure /health latency and
    // memory from outside; running files side by side on two cores would make those figures their neighbours'.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-artifacts/vitest.json' },
  },
});
