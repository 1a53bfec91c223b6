/**
 * The refusal path's reference: bare graphql-yoga with a one-field schema whose resolver refuses its input with
 * BAD_USER_INPUT, as the gateway refuses an invalid token request. No plugins, no logs, no authentication.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { BARE_TYPE_DEFS } from './bare-schema.js';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: BARE_TYPE_DEFS,
    resolvers: {
      Mutation: {
        getSelfieToken: () => {
          throw new GraphQLError('input.image is required with checkMode LIVENESS_AND_COMPARE.', {
            extensions: { code: 'BAD_USER_INPUT', retryable: false, field: 'input.image', http: { status: 400 } },
          });
        },
      },
    },
  }),
  logging: false,
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
