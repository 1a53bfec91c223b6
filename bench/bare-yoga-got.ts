/**
 * The floor of the packages the gateway is built on: bare graphql-yoga with one mutation whose resolver mints a
 * token through got with the gateway's got settings and hooks (an empty `cacheOptions`; TC3 signing with the
 * signing key derived once per date). No authentication, validation, throttle, logs, metrics or error contract:
 * what graphql-yoga and got cost by themselves, for comparison with the hand-written endpoint on the official SDK.
 * Started by the benchmark with
 * `FLOOR_UPSTREAM_URL=<emulator url> TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import got from 'got';
import { createSchema, createYoga } from 'graphql-yoga';
import { clearUnusedCacheOptions } from '../src/faceid/client.js';
import { authorizationOf, createDailySigningKey, utcDateOf } from '../src/faceid/tc3.js';
import { FACEID_API_VERSION } from '../src/faceid/wire.js';
import { BARE_TYPE_DEFS } from './bare-schema.js';

const upstream = process.env.FLOOR_UPSTREAM_URL!;
const secretId = process.env.TENCENTCLOUD_SECRET_ID!;
const secretKey = process.env.TENCENTCLOUD_SECRET_KEY!;
// As the gateway does: the signing key is derived once per UTC date, not per call.
const signingKeyFor = createDailySigningKey(secretKey, 'faceid');
const client = got.extend({
  method: 'POST',
  agent: { http: new Agent({ keepAlive: true }) },
  headers: { 'content-type': 'application/json', 'x-tc-action': 'GetFaceIdTokenIntl', 'x-tc-version': FACEID_API_VERSION, 'x-tc-region': 'ap-singapore' },
  // The gateway's own settings of got, minus what serves a feature (timeouts, the size bound).
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: false,
  decompress: process.env.FLOOR_DECOMPRESS === 'true',
  responseType: 'text',
  hooks: {
    beforeRequest: [
      clearUnusedCacheOptions,
      (options) => {
        const timestamp = Math.floor(Date.now() / 1000);
        const signing = { secretId, service: 'faceid', host: new URL(upstream).hostname, contentType: 'application/json', payload: options.body as string, timestamp };
        options.headers['x-tc-timestamp'] = String(timestamp);
        options.headers.authorization = authorizationOf(signing, signingKeyFor(utcDateOf(timestamp)));
      },
    ],
  },
});

const yoga = createYoga({
  schema: createSchema({
    typeDefs: BARE_TYPE_DEFS,
    resolvers: {
      Mutation: {
        getSelfieToken: async (_root, { input }: { input: { checkMode?: string; extra?: string } }) => {
          const body = JSON.stringify({ CheckMode: input.checkMode?.toLowerCase(), Extra: input.extra });
          const { Response } = JSON.parse((await client(upstream, { body })).body) as { Response: { SdkToken: string; RequestId: string } };
          return { sdkToken: Response.SdkToken, requestId: Response.RequestId, expiresAt: new Date(Date.now() + 7_200_000).toISOString() };
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
