/**
 * A hand-written `node:http` endpoint like the SDK reference (bench/reference-endpoint.ts: same request, same
 * answer), minting through got with the gateway's settings or through `http.request` by hand (BARE_CLIENT=got or
 * http, bench/bare-senders.ts) instead of the official SDK. `npm run bench:layers` puts it beside the reference to
 * tell what each client costs. Started with
 * `BARE_UPSTREAM_URL=<emulator url> BARE_CLIENT=got|http TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bareClientOf, createBareSender } from './bare-senders.js';

const send = createBareSender(bareClientOf(process.env.BARE_CLIENT), process.env.BARE_UPSTREAM_URL!, {
  secretId: process.env.TENCENTCLOUD_SECRET_ID!,
  secretKey: process.env.TENCENTCLOUD_SECRET_KEY!,
});

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    let input: { checkMode?: string; extra?: string };
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(400, { error: 'not JSON' });
    }
    send(JSON.stringify({ CheckMode: input.checkMode, Extra: input.extra })).then(
      (text) => {
        const { Response } = JSON.parse(text) as { Response: { SdkToken: string; RequestId: string } };
        answer(200, { sdkToken: Response.SdkToken, requestId: Response.RequestId });
      },
      (error: Error) => answer(502, { error: error.message }),
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
