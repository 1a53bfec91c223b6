/**
 * graphql-codegen pointed at the running gateway's URL, as a frontend project configures it: it loads the schema
 * by the standard introspection query (15 levels deep) and generates typed documents for the example operations.
 */
import { generate } from '@graphql-codegen/cli';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatGateway, type CompatGateway } from './helpers/compat-gateway.js';

let gateway: CompatGateway;
beforeAll(async () => {
  gateway = await startCompatGateway();
}, 60_000);
afterAll(() => gateway?.close());

describe('graphql-codegen with the schema at the gateway URL', () => {
  it('introspects the gateway and generates the schema and typed documents of the example operations', async () => {
    const files = (await generate(
      {
        schema: gateway.url,
        documents: ['schema/operations/*.graphql'],
        silent: true,
        generates: {
          'introspected.graphql': { plugins: ['schema-ast'] },
          'generated/': { preset: 'client', presetConfig: { fragmentMasking: false }, config: { scalars: { DateTime: 'string' } } },
        },
      },
      false,
    )) as Array<{ filename: string; content: string }>;
    const byName = new Map(files.map((file) => [file.filename, file.content]));

    const introspected = buildSchema(byName.get('introspected.graphql')!);
    expect(Object.keys(introspected.getMutationType()!.getFields()).sort()).toEqual(['applyEkycToken', 'getSelfieToken']);
    const types = byName.get('generated/graphql.ts')!;
    for (const declaration of [
      'export type GetSelfieTokenMutation =',
      'export type ApplyEkycTokenMutation =',
      'export type GatewayInfoQuery =',
      'export const GetSelfieTokenDocument =',
      'export const ApplyEkycTokenDocument =',
    ]) {
      expect(types).toContain(declaration);
    }
  }, 60_000);
});
