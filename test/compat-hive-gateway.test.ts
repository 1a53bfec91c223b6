/**
 * Hive Gateway (`@graphql-hive/gateway-runtime`) composing the gateway process and a second subgraph, as
 * test/helpers/router.ts starts it: the router contract of test/helpers/router-contract.ts.
 */
import { describe } from 'vitest';
import { defineRouterContract } from './helpers/router-contract.js';
import { startRouter } from './helpers/router.js';

describe('Hive Gateway over the gateway and an accounts subgraph', () => {
  defineRouterContract((subgraphs) => startRouter({ subgraphs }));
});
