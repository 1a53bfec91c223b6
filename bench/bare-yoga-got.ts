/**
 * The floor of the packages the gateway is built on: bare graphql-yoga with one mutation whose resolver mints a
 * token through got with the gateway's got settings and hooks (bench/bare-senders.ts). No authentication,
 * validation, throttle, logs, metrics or error contract: what graphql-yoga and got cost by themselves, for
 * comparison with the hand-written endpoint on the official SDK.
 * Started by the benchmark with
 * `FLOOR_UPSTREAM_URL=<emulator url> TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 * `npm run bench:layers` also starts it with FLOOR_CLIENT=http (the resolver sends with `http.request` instead of
 * got) and FLOOR_YOGA=lean (graphql-yoga with every default feature the gateway can do without switched off).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga, type YogaServerOptions } from 'graphql-yoga';
import { BARE_TYPE_DEFS } from './bare-schema.js';
import { bareClientOf, createBareSender } from './bare-senders.js';

const send = createBareSender(bareClientOf(process.env.FLOOR_CLIENT), process.env.FLOOR_UPSTREAM_URL!, {
  secretId: process.env.TENCENTCLOUD_SECRET_ID!,
  secretKey: process.env.TENCENTCLOUD_SECRET_KEY!,
});

/**
 * graphql-yoga as lean as its options make it: no CORS, GraphiQL, landing page or multipart parser, and no body
 * size limit (which pipes every body through a stream of its own). The gateway keeps CORS and bounds the body in
 * a plugin of its own, so this is below what it can do.
 */
const LEAN_YOGA: Partial<YogaServerOptions<object, object>> = { cors: false, graphiql: false, landingPage: false, multipart: false, maxRequestBodySize: false };
if (process.env.FLOOR_YOGA !== undefined && process.env.FLOOR_YOGA !== 'lean' && process.env.FLOOR_YOGA !== 'defaults') {
  throw new TypeError(`Expected FLOOR_YOGA to be \`defaults\` or \`lean\`, got ${JSON.stringify(process.env.FLOOR_YOGA)}`);
}

const yoga = createYoga({
  schema: createSchema({
    typeDefs: BARE_TYPE_DEFS,
    resolvers: {
      Mutation: {
        getSelfieToken: async (_root, { input }: { input: { checkMode?: string; extra?: string } }) => {
          const answer = await send(JSON.stringify({ CheckMode: input.checkMode?.toLowerCase(), Extra: input.extra }));
          const { Response } = JSON.parse(answer) as { Response: { SdkToken: string; RequestId: string } };
          return { sdkToken: Response.SdkToken, requestId: Response.RequestId, expiresAt: new Date(Date.now() + 7_200_000).toISOString() };
        },
      },
    },
  }),
  logging: false,
  ...(process.env.FLOOR_YOGA === 'lean' ? LEAN_YOGA : {}),
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
