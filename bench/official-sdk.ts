/**
 * The official Tencent SDK (tencentcloud-sdk-nodejs-intl-en) pointed at a local upstream, as the benchmarks use it
 * for their reference. The SDK signs for the service named by its endpoint's first label, so it must talk to the
 * real host name: Node's global agent (keep-alive, as Node's default) resolves that name to 127.0.0.1.
 */
import dns from 'node:dns';
import http from 'node:http';
import { createRequire } from 'node:module';

/** The host the SDK is told to call. */
export const TENCENT_HOST = 'faceid.intl.tencentcloudapi.com';

/** The answer of GetFaceIdTokenIntl, as the SDK hands it to its callback. */
export interface SdkTokenAnswer {
  SdkToken: string;
  RequestId: string;
}

/** A FaceID client of the official SDK for the upstream listening on 127.0.0.1:`port`. */
export interface OfficialSdkClient {
  GetFaceIdTokenIntl(parameters: Record<string, unknown>, callback: (error: Error | null, answer: SdkTokenAnswer) => void): void;
}

/** Creates the SDK client; replaces Node's global HTTP agent (the SDK has no agent option). */
export function createOfficialSdkClient(options: { secretId: string; secretKey: string; port: number | string }): OfficialSdkClient {
  http.globalAgent = new http.Agent({
    keepAlive: true,
    lookup: ((hostname: string, lookupOptions: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      if (hostname !== TENCENT_HOST) return dns.lookup(hostname, lookupOptions, callback as never);
      if (lookupOptions.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
      return callback(null, '127.0.0.1', 4);
    }) as never,
  });
  const require = createRequire(import.meta.url);
  const common = require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/common/index.js');
  const { Client } = require('tencentcloud-sdk-nodejs-intl-en/tencentcloud/faceid/v20180301/index.js');
  return new Client(
    new common.Credential(options.secretId, options.secretKey),
    'ap-singapore',
    new common.ClientProfile('TC3-HMAC-SHA256', new common.HttpProfile('http://', `${TENCENT_HOST}:${options.port}`)),
  );
}
