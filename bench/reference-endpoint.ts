/**
 * The reference the gateway is measured against: a hand-written `node:http` endpoint on the official Tencent SDK
 * (tencentcloud-sdk-nodejs-intl-en), the least a service minting FaceID tokens can do. POST a JSON body
 * `{ "checkMode": "liveness", "extra": "..." }`, get `{ "sdkToken", "requestId" }`. No validation, no logs, no
 * metrics, no authentication. The benchmark starts it as a process of its own:
 * `REFERENCE_UPSTREAM_PORT=<emulator port> TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

/** The SDK names the signed service after its endpoint's first label: it must talk to the real host name. */
const TENCENT_HOST = 'faceid.intl.tencentcloudapi.com';

// The real host name, answered by the local upstream: resolve it to 127.0.0.1 for the SDK's (global) agent.
http.globalAgent = new http.Agent({
  keepAlive: true,
  lookup: ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (hostname !== TENCENT_HOST) return dns.lookup(hostname, options, callback as never);
    if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return callback(null, '127.0.0.1', 4);
  }) as never,
});

const require = createRequire(import.meta.url);
const common = require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/common/index.js');
const { Client } = require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/faceid/v20180301/index.js');
const client = new Client(
  new common.Credential(process.env.TENCENTCLOUD_SECRET_ID, process.env.TENCENTCLOUD_SECRET_KEY),
  'ap-singapore',
  new common.ClientProfile('TC3-HMAC-SHA256', new common.HttpProfile('http://', `${TENCENT_HOST}:${process.env.REFERENCE_UPSTREAM_PORT}`)),
);

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
    client.GetFaceIdTokenIntl({ CheckMode: input.checkMode, Extra: input.extra }, (error: Error | null, result: { SdkToken: string; RequestId: string }) =>
      error ? answer(502, { error: error.message }) : answer(200, { sdkToken: result.SdkToken, requestId: result.RequestId }),
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
