/** The Pothos builder and the types every schema file shares. Defines no GraphQL types of its own. */
import SchemaBuilder from '@pothos/core';
import type { GatewayContext } from '../context.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
});
