/** The schema: importing the domain files registers their types on the builder. */
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './gateway.js';
import './selfie.js';
import './ekyc.js';

builder.mutationType({ description: 'Token minting: each mutation makes one Tencent FaceID request (retries aside).' });

/** Builds the GraphQL schema. */
export function createSchema() {
  return builder.toSchema({ sortSchema: true });
}
