/**
 * How the bare benchmark services (bench/bare-yoga-got.ts, bench/bare-http.ts) send GetFaceIdTokenIntl to the
 * benchmark's upstream: through got with the gateway's got settings, or through `http.request` written out by hand,
 * the least any Node client can do. Both sign with TC3 as the gateway does (the signing key derived once per UTC
 * date) and keep one keep-alive agent, so the two differ only in the client.
 */
import http from 'node:http';
import got from 'got';
import { clearUnusedCacheOptions } from '../src/faceid/client.js';
import { authorizationOf, createDailySigningKey, utcDateOf } from '../src/faceid/tc3.js';
import { FACEID_API_VERSION } from '../src/faceid/wire.js';

/** `got` (the gateway's upstream client) or `http` (`http.request` by hand). */
export type BareClient = 'got' | 'http';

/** Reads BARE_CLIENT-style settings: `got` unless `http` is asked for; anything else is a mistake. */
export function bareClientOf(value: string | undefined): BareClient {
  if (value === undefined || value === 'got') return 'got';
  if (value === 'http') return 'http';
  throw new TypeError(`Expected the client to be \`got\` or \`http\`, got ${JSON.stringify(value)}`);
}

/** Sends one signed GetFaceIdTokenIntl with `body` as its payload; resolves with the answer's text. */
export type BareSender = (body: string) => Promise<string>;

/** A sender for the upstream at `upstreamUrl`, signing with the benchmark's key pair. */
export function createBareSender(client: BareClient, upstreamUrl: string, credentials: { secretId: string; secretKey: string }): BareSender {
  const host = new URL(upstreamUrl).hostname;
  // As the gateway does: the signing key is derived once per UTC date, not per call.
  const signingKeyFor = createDailySigningKey(credentials.secretKey, 'faceid');
  const sign = (headers: Record<string, string | string[] | undefined>, body: string) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signing = { secretId: credentials.secretId, service: 'faceid', host, contentType: 'application/json', payload: body, timestamp };
    headers['x-tc-timestamp'] = String(timestamp);
    headers.authorization = authorizationOf(signing, signingKeyFor(utcDateOf(timestamp)));
  };
  const headers = { 'content-type': 'application/json', 'x-tc-action': 'GetFaceIdTokenIntl', 'x-tc-version': FACEID_API_VERSION, 'x-tc-region': 'ap-singapore' };
  const agent = new http.Agent({ keepAlive: true });

  if (client === 'http') {
    return (body) =>
      new Promise((resolve, reject) => {
        const requestHeaders: Record<string, string> = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
        sign(requestHeaders, body);
        const request = http.request(upstreamUrl, { method: 'POST', agent, headers: requestHeaders }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
  }

  const viaGot = got.extend({
    method: 'POST',
    agent: { http: agent },
    headers,
    // The gateway's own settings of got, minus what serves a feature (timeouts, the size bound).
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: false,
    responseType: 'text',
    hooks: { beforeRequest: [clearUnusedCacheOptions, (options) => sign(options.headers, options.body as string)] },
  });
  return async (body) => (await viaGot(upstreamUrl, { body })).body;
}
