/**
 * The endpoint of the SDK reference (bench/bare-endpoint.ts: same request, same answer), minting through got with
 * the gateway's settings or through `http.request` by hand (BARE_CLIENT=got or http, bench/bare-senders.ts) instead
 * of the official SDK. `npm run bench:layers` puts it beside the reference to tell what each client costs. Started
 * with `BARE_UPSTREAM_URL=<emulator url> BARE_CLIENT=got|http TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import { listenBareEndpoint } from './bare-endpoint.js';
import { bareClientOf, createBareSender } from './bare-senders.js';

const send = createBareSender(bareClientOf(process.env.BARE_CLIENT), process.env.BARE_UPSTREAM_URL!, {
  secretId: process.env.TENCENTCLOUD_SECRET_ID!,
  secretKey: process.env.TENCENTCLOUD_SECRET_KEY!,
});

listenBareEndpoint((input, done) =>
  send(JSON.stringify({ CheckMode: input.checkMode, Extra: input.extra }))
    .then((text) => {
      const { Response } = JSON.parse(text) as { Response: { SdkToken: string; RequestId: string } };
      return { sdkToken: Response.SdkToken, requestId: Response.RequestId };
    })
    .then((token) => done(null, token), done),
);
