/** The schema: importing the domain files registers their types on the builder. */
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './gateway.js';
import './selfie.js';
import './ekyc.js';
import { guardEntityReferences } from './verification-result.js';

/** The result types: the app marks responses that select them (no-store, POST only). */
export { RESULT_TYPE_NAMES } from './verification-result.js';

builder.mutationType({ description: 'Token minting: each mutation makes one Tencent FaceID request (retries aside).' });

/**
 * Builds the schema: a Federation v2 subgraph, which is also a plain GraphQL API (the federation additions are
 * one `_service` query field and a few directives that a non-federated client never needs to touch).
 */
export function createSchema() {
  return guardEntityReferences(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK_URL, sortSchema: true }));
}

/** The Federation spec the subgraph links to. */
export const FEDERATION_LINK_URL = 'https://specs.apollo.dev/federation/v2.6';
