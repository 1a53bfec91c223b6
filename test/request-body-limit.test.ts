import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { harnessPerTest } from './helpers/harness.js';
import { SELFIE } from './helpers/requests.js';

const start = harnessPerTest();

/** A token request padded to `bytes` with an unused variable, so only its size differs. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ ...SELFIE, variables: { ...SELFIE.variables, padding: '' } });
  return JSON.stringify({ ...SELFIE, variables: { ...SELFIE.variables, padding: 'A'.repeat(bytes - empty.length) } });
}

/** POSTs over real HTTP, either with a Content-Length or chunked (no length announced), in 64 KiB pieces. */
function post(url: string, body: string, framing: 'content-length' | 'chunked') {
  return new Promise<{ status: number; code: string | undefined; minted: boolean }>((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (framing === 'content-length') headers['content-length'] = String(Buffer.byteLength(body));
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const json = JSON.parse(text) as { data?: { getSelfieToken?: unknown }; errors?: Array<{ extensions?: { code?: string } }> };
        resolve({ status: response.statusCode ?? 0, code: json.errors?.[0]?.extensions?.code, minted: Boolean(json.data?.getSelfieToken) });
      });
    });
    // The gateway may answer 413 and close before the whole body is sent.
    request.on('error', reject);
    for (let offset = 0; offset < body.length; offset += 65_536) request.write(body.slice(offset, offset + 65_536));
    request.end();
  });
}

describe('the request body bound', () => {
  it.each([
    ['content-length', MAX_REQUEST_BODY_BYTES, 200, undefined],
    ['content-length', MAX_REQUEST_BODY_BYTES + 1, 413, 'REQUEST_ENTITY_TOO_LARGE'],
    ['chunked', MAX_REQUEST_BODY_BYTES, 200, undefined],
    ['chunked', MAX_REQUEST_BODY_BYTES + 1, 413, 'REQUEST_ENTITY_TOO_LARGE'],
  ] as const)('over HTTP with %s framing, a %i-byte body answers %i', async (framing, bytes, status, code) => {
    const harness = await start();
    const result = await post(await harness.listen(), bodyOf(bytes), framing);
    expect(result).toEqual({ status, code, minted: status === 200 });
    expect(harness.emulator.requests).toHaveLength(status === 200 ? 1 : 0);
  });

  it('counts the bytes of an in-process request whose Content-Length no HTTP parser enforced', async () => {
    const { app, emulator } = await start();
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
      body: bodyOf(MAX_REQUEST_BODY_BYTES + 1),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toEqual({
      code: 'REQUEST_ENTITY_TOO_LARGE',
      retryable: false,
    });
    expect(emulator.requests).toHaveLength(0);
  });
});
