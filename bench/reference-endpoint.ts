/**
 * The reference the gateway is measured against: a hand-written `node:http` endpoint (bench/bare-endpoint.ts) on the
 * official Tencent SDK (tencentcloud-sdk-nodejs-intl-en), the least a service minting FaceID tokens can do. POST a
 * JSON body `{ "checkMode": "liveness", "extra": "..." }`, get `{ "sdkToken", "requestId" }`. No validation, no logs,
 * no metrics, no authentication. The benchmark starts it as a process of its own:
 * `REFERENCE_UPSTREAM_PORT=<emulator port> TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... PORT=0`.
 */
import { listenBareEndpoint } from './bare-endpoint.js';
import { createOfficialSdkClient } from './official-sdk.js';

const client = createOfficialSdkClient({
  secretId: process.env.TENCENTCLOUD_SECRET_ID!,
  secretKey: process.env.TENCENTCLOUD_SECRET_KEY!,
  port: process.env.REFERENCE_UPSTREAM_PORT!,
});

listenBareEndpoint((input, done) =>
  client.GetFaceIdTokenIntl({ CheckMode: input.checkMode, Extra: input.extra }, (error, result) =>
    error ? done(error) : done(null, { sdkToken: result.SdkToken, requestId: result.RequestId }),
  ),
);
