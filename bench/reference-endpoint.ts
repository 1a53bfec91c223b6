/**
 * The reference the gateway is measured against: a hand-written `node:http` endpoint on the official Tencent SDK
 * (tencentcloud-sdk-nodejs-intl-en), the least a service minting FaceID tokens can do. POST a JSON body
 * `{ "checkMode": "liveness", "extra": "..." }`, get `{ "sdkToken", "requestId" }`. No validation, no logs, no
 * metrics, no authentication. The benchmark starts it as a process of its own:
 * `REFERENCE_UPSTREAM_PORT=<emulator port> TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOfficialSdkClient } from './official-sdk.js';

const client = createOfficialSdkClient({
  secretId: process.env.TENCENTCLOUD_SECRET_ID!,
  secretKey: process.env.TENCENTCLOUD_SECRET_KEY!,
  port: process.env.REFERENCE_UPSTREAM_PORT!,
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
    client.GetFaceIdTokenIntl({ CheckMode: input.checkMode, Extra: input.extra }, (error, result) =>
      error ? answer(502, { error: error.message }) : answer(200, { sdkToken: result.SdkToken, requestId: result.RequestId }),
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
