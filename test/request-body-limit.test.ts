import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { BODY_PIECES_ALLOWANCE, MAX_CALLER_HELD_BODY_SHARE, MIN_AVERAGE_BODY_PIECE_BYTES, maxBodyPieces } from '../src/protection/bounded-body.js';
import { MAX_BODY_JSON_VALUES, scanJsonValues } from '../src/protection/json-values.js';
import { postChunked } from './helpers/chunked-upload.js';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { UNBUDGETED_BODY_BYTES } from '../src/protection/bounded-body.js';
import { REQUIRED_AUTH, signToken } from './helpers/credentials.js';
import { harnessPerTest, selfieTokenRequest, type Harness } from './helpers/harness.js';
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

  /** Sends the headers of a POST with `Expect: 100-continue`, then the body only once asked; resolves with every status line. */
  function postExpectingContinue(url: string, headers: string, body: string): Promise<string[]> {
    const { port } = new URL(url);
    return new Promise((resolve) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nExpect: 100-continue\r\n${headers}\r\n`),
      );
      let sent = false;
      socket.on('data', (data: Buffer) => {
        received += data.toString('latin1');
        if (!sent && received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          sent = true;
          socket.write(body);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(received.match(/HTTP\/1\.1 \d+ [^\r]*/g) ?? []));
    });
  }

  it('answers a Content-Length past the bound with 413 at once and closes the connection, without reading the announced bytes', async () => {
    const harness = await start();
    const { port } = new URL(await harness.listen());
    const { received, closedAfterMs } = await new Promise<{ received: string; closedAfterMs: number }>((resolve) => {
      let text = '';
      const startedAt = Date.now();
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{"query":'),
      );
      socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ received: text, closedAfterMs: Date.now() - startedAt }));
      // Kept open by the gateway, the connection would wait for 100 GB; the test's own bound ends it.
      setTimeout(() => socket.destroy(), 5000).unref();
    });
    expect(received).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('asks for the body of an Expect: 100-continue request only when it will read it, and mints', async () => {
    const harness = await start();
    const body = JSON.stringify(SELFIE);
    const statuses = await postExpectingContinue(await harness.listen(), `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`, body);
    expect(statuses).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
    expect(harness.emulator.requests).toHaveLength(1);
  });

  it.each([
    ['a Content-Length over the bound', `Content-Type: application/json\r\nContent-Length: ${MAX_REQUEST_BODY_BYTES + 1}\r\n`, 'HTTP/1.1 413 Payload Too Large'],
    ['a form without the CSRF header', 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n', 'HTTP/1.1 403 Forbidden'],
    ['a Content-Encoding', 'Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n', 'HTTP/1.1 400 Bad Request'],
  ])('refuses an Expect: 100-continue request with %s without inviting its body', async (_case, headers, status) => {
    const harness = await start();
    expect(await postExpectingContinue(await harness.listen(), headers, 'x'.repeat(10))).toEqual([status]);
  });

  it.each(['gzip, chunked', 'deflate, chunked'])('refuses a body sent with Transfer-Encoding %s over HTTP, saying so', async (codings) => {
    const harness = await start();
    const { port } = new URL(await harness.listen());
    const gzipped = gzipSync(JSON.stringify(SELFIE));
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          Buffer.concat([
            Buffer.from(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: ${codings}\r\n\r\n${gzipped.length.toString(16)}\r\n`),
            gzipped,
            Buffer.from('\r\n0\r\n\r\n'),
          ]),
        ),
      );
      socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(received));
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      errors: [{ message: 'The request body must be sent uncompressed: no Transfer-Encoding but chunked is accepted.', extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('runs a JSON body that begins with a UTF-8 byte-order mark, as RFC 8259 lets a server', async () => {
    const { app } = await start();
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ query: '{ __typename }' }))]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it.each(['gzip', 'br', 'deflate, gzip'])('refuses a body sent with Content-Encoding %s, saying so', async (encoding) => {
    const { app, emulator } = await start();
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      body: gzipSync(JSON.stringify(SELFIE)),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body must be sent uncompressed: no Content-Encoding is accepted.', extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
    expect(emulator.requests).toHaveLength(0);
  });

  it('takes a body sent with Content-Encoding identity', async () => {
    const { app } = await start();
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
      body: JSON.stringify(SELFIE),
    });
    expect(((await response.json()) as { data: { getSelfieToken: { sdkToken: string } } }).data.getSelfieToken.sdkToken).toMatch(/\S/);
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

describe('the pieces a body arrives in', () => {
  it.each([
    ['one-byte chunks', 64 * 1024, 1],
    ['ten-byte chunks', 64 * 1024, 10],
    ['100-byte chunks of the largest body', MAX_REQUEST_BODY_BYTES, 100],
  ])('refuses a body sent in %s with BAD_REQUEST, sends nothing to Tencent and closes the connection', async (_name, bytes, chunkBytes) => {
    const harness = await start();
    const answer = await postChunked(await harness.listen(), bodyOf(bytes), chunkBytes);

    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closedByServer).toBe(true);
    const { errors } = JSON.parse(answer.body) as { errors: Array<{ message: string; extensions: unknown }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST', retryable: false });
    expect(errors[0]!.message).toMatch(/^The request body arrived in more than \d+ pieces for \d+ bytes; send it with a Content-Length, or in chunks of at least a few hundred bytes\.$/);
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('stops reading such a body after about the allowance of pieces', async () => {
    const harness = await start();
    const answer = await postChunked(await harness.listen(), bodyOf(MAX_REQUEST_BODY_BYTES), 1);

    const { errors } = JSON.parse(answer.body) as { errors: Array<{ message: string }> };
    const [, pieces, bytes] = /more than (\d+) pieces for (\d+) bytes/.exec(errors[0]!.message)!.map(Number);
    expect(pieces).toBe(maxBodyPieces(bytes!));
    expect(pieces).toBeLessThan(BODY_PIECES_ALLOWANCE + 16);
  });

  it.each([
    ['in chunks of the smallest average size accepted', MAX_REQUEST_BODY_BYTES, MIN_AVERAGE_BODY_PIECE_BYTES],
    ['in 16 KiB chunks', MAX_REQUEST_BODY_BYTES, 16 * 1024],
    ['in one chunk', 4 * 1024, 4 * 1024],
  ])('mints from a body sent %s', async (_name, bytes, chunkBytes) => {
    const harness = await start();
    const answer = await postChunked(await harness.listen(), bodyOf(bytes), chunkBytes);

    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { data: { getSelfieToken: { sdkToken: string } } }).data.getSelfieToken.sdkToken).toMatch(/\S/);
    expect(answer.closedByServer).toBe(false);
    expect(harness.emulator.requests).toHaveLength(1);
  });

  it('refuses an in-process request whose body stream comes a byte at a time', async () => {
    const { app, emulator } = await start();
    const bytes = new TextEncoder().encode(bodyOf(8 * 1024));
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + 1));
        offset += 1;
      },
    });
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST', retryable: false });
    expect(offset).toBeLessThan(BODY_PIECES_ALLOWANCE + 64);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('a client that leaves during its upload', () => {
  it.each([
    ['a Content-Length', 'Content-Length: 1000\r\n\r\n{"query":'],
    ['chunked framing', 'Transfer-Encoding: chunked\r\n\r\n9\r\n{"query":\r\n'],
  ])('with %s is logged as CLIENT_CLOSED_REQUEST, not as an unexpected error', async (_framing, rest) => {
    const harness = await start();
    const { port } = new URL(await harness.listen());
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Request-Id: leaves-early\r\n${rest}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();

    const requestLine = () => harness.log.entries().find((entry) => entry.msg === 'request' && entry.requestId === 'leaves-early');
    await expect.poll(requestLine).toMatchObject({ status: 499, outcome: 'CLIENT_CLOSED_REQUEST' });
    expect(harness.log.entries().filter((entry) => (entry.level as number) >= 50)).toEqual([]);
    expect(harness.emulator.requests).toHaveLength(0);
  });
});

describe('a client that leaves while it is authenticated, before its body is read', () => {
  it('is answered and logged as CLIENT_CLOSED_REQUEST', async () => {
    // The authenticator finishes only once the client has gone (a JWKS fetch, a WebCrypto verification), so the
    // body is read after node has closed the request.
    const open = createAuthenticator({ mode: 'open' });
    const harness = await start({
      app: {
        authenticate: async (request, clientAddress) => {
          if (!request.signal.aborted) await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
          return open(request, clientAddress);
        },
      },
    });
    const { port } = new URL(await harness.listen());
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Request-Id: leaves-in-auth\r\nContent-Length: 8000000\r\n\r\n{"query":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();

    const requestLine = () => harness.log.entries().find((entry) => entry.msg === 'request' && entry.requestId === 'leaves-in-auth');
    await expect.poll(requestLine, { timeout: 3000 }).toMatchObject({ status: 499, outcome: 'CLIENT_CLOSED_REQUEST' });
    expect(harness.emulator.requests).toHaveLength(0);
  });
});

describe('the memory all bodies may hold at once', () => {
  const BUDGET = 1_000_000;
  const startWithBudget = () => start({ app: { maxHeldBodyBytes: BUDGET } });

  async function heldBodyBytes(harness: Harness): Promise<number> {
    const text = await (await harness.app.fetch('http://gateway.test/metrics')).text();
    return Number(/^faceid_gateway_held_body_bytes (\d+)$/m.exec(text)![1]);
  }

  /** Opens a connection that sends all but the last 100,000 bytes of a `bytes`-long token request, then waits. */
  function holdUnfinishedBody(url: string, bytes: number): Socket {
    const { port } = new URL(url);
    const body = bodyOf(bytes);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    socket.write(body.slice(0, bytes - 100_000));
    return socket;
  }

  function postWithAccept(url: string, body: string) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; json: { data?: unknown; errors?: Array<{ message: string; extensions: unknown }> } }>((resolve, reject) => {
      const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, json: JSON.parse(text) }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  it('refuses a body that does not fit beside the ones held with RATE_LIMITED, and takes it once they are gone', async () => {
    const harness = await startWithBudget();
    const url = await harness.listen();
    const holder = holdUnfinishedBody(url, 900_000);
    await expect.poll(() => heldBodyBytes(harness)).toBeGreaterThan(600_000);

    const refused = await postWithAccept(url, bodyOf(600_000));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    // The rest of the refused upload is read and dropped, so the connection stays usable.
    expect(refused.headers.connection).toBe('keep-alive');
    expect(refused.json.errors).toEqual([
      {
        message: `The gateway is holding as many request bodies as it may at once (${BUDGET} bytes in all); retry in a moment.`,
        extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter: 1 },
      },
    ]);
    // A request without an image takes nothing from the budget: tokens are still minted.
    const small = await postWithAccept(url, JSON.stringify(SELFIE));
    expect(small.status).toBe(200);
    expect(harness.emulator.requests).toHaveLength(1);

    holder.destroy();
    await expect.poll(() => heldBodyBytes(harness)).toBe(0);
    const taken = await postWithAccept(url, bodyOf(600_000));
    expect(taken.status).toBe(200);
    expect(harness.emulator.requests).toHaveLength(2);
    expect(await heldBodyBytes(harness)).toBe(0);
    const metrics = await (await harness.app.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/^faceid_gateway_rejections_total\{reason="held_body_bytes"\} 1$/m);
  });

  it('answers RATE_LIMITED to a client that writes its whole 4 MB upload before reading, and serves its next request on the same connection', async () => {
    const harness = await startWithBudget();
    const url = await harness.listen();
    const holder = holdUnfinishedBody(url, 900_000);
    await expect.poll(() => heldBodyBytes(harness)).toBeGreaterThan(600_000);

    // fetch (undici) writes the whole body before it reads an answer: a connection closed under it is a
    // `fetch failed` (EPIPE), never the refusal.
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(4_000_000) });
    expect(refused.status).toBe(200);
    expect(((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('RATE_LIMITED');

    // On one raw connection: the refused upload, written in full, then a token request.
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    const request = (body: string) => `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    // An answer's status line follows the previous answer's body directly.
    const STATUS_LINE = /HTTP\/1\.1 \d+/g;
    socket.write(request(bodyOf(4_000_000)));
    socket.write(request(JSON.stringify(SELFIE)));
    await expect.poll(() => received.match(STATUS_LINE)?.length ?? 0, { timeout: 10_000 }).toBe(2);
    socket.destroy();
    holder.destroy();
    expect(received.match(STATUS_LINE)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(received).toContain('"code":"RATE_LIMITED"');
    expect(received).toContain('"getSelfieToken":{');
    await expect.poll(() => heldBodyBytes(harness)).toBe(0);
  });

  it('gives every byte back once the requests are answered, whatever their outcome', async () => {
    const harness = await startWithBudget();
    const url = await harness.listen();
    const outcomes = await Promise.all([
      postWithAccept(url, bodyOf(200_000)),
      postWithAccept(url, bodyOf(300_000).replace('"input":{}', '"input":{"checkMode":"NO_SUCH_MODE"}')),
      postWithAccept(url, bodyOf(200_000).slice(0, -2)),
      post(url, bodyOf(200_000), 'chunked'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 400, 400, 200]);
    expect(await heldBodyBytes(harness)).toBe(0);
  });
});

describe('large bodies and credentials', () => {
  const NEEDS = `A request body over ${UNBUDGETED_BODY_BYTES} bytes (an image) needs credentials that may mint tokens`;
  const NEEDS_CREDENTIALS = `${NEEDS}: send Authorization: Bearer <token> or x-api-key.`;
  const startRequiringCredentials = () => start({ app: { authenticate: createAuthenticator(REQUIRED_AUTH) } });

  /** POSTs over real HTTP; resolves with the status, the first error and its headers (the connection may be cut). */
  function postRaw(url: string, body: string, headers: Record<string, string>, framing: 'content-length' | 'chunked') {
    return new Promise<{ status: number; message?: string; code?: string; wwwAuthenticate?: string }>((resolve, reject) => {
      const all: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers };
      if (framing === 'content-length') all['content-length'] = String(Buffer.byteLength(body));
      const request = http.request(url, { method: 'POST', headers: all }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const error = (JSON.parse(text) as { errors?: Array<{ message: string; extensions: { code: string } }> }).errors?.[0];
          resolve({ status: response.statusCode ?? 0, message: error?.message, code: error?.extensions.code, wwwAuthenticate: response.headers['www-authenticate'] });
        });
      });
      request.on('error', reject);
      // In pieces, as a client streaming an upload would, so the answer can come before the end.
      for (let offset = 0; offset < body.length; offset += 16_384) request.write(body.slice(offset, offset + 16_384));
      request.end();
    });
  }

  it.each(['content-length', 'chunked'] as const)('refuses a body past the free 64 KiB from a caller without credentials, framed by %s, and sends nothing to Tencent', async (framing) => {
    const harness = await startRequiringCredentials();
    const answer = await postRaw(await harness.listen(), bodyOf(200_000), {}, framing);
    expect(answer).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: NEEDS_CREDENTIALS, wwwAuthenticate: 'Bearer' });
    expect(harness.emulator.requests).toHaveLength(0);
  });

  it('refuses a large body from a caller whose credentials cannot mint (a result reader) with FORBIDDEN', async () => {
    const harness = await startRequiringCredentials();
    const reader = await signToken({ scope: 'faceid:result' });
    const answer = await postRaw(await harness.listen(), bodyOf(200_000), { authorization: `Bearer ${reader}` }, 'content-length');
    expect(answer).toEqual({ status: 403, code: 'FORBIDDEN', message: `${NEEDS}: these lack the faceid:selfie and faceid:ekyc scopes.`, wwwAuthenticate: undefined });
    // Refused before the body was read, and still logged with who asked.
    await expect.poll(() => harness.log.entries().find((entry) => entry.msg === 'request')).toMatchObject({ caller: 'jwt:user-1', status: 403, outcome: 'FORBIDDEN' });
  });

  it('refuses a large body with credentials that do not verify for what they are', async () => {
    const harness = await startRequiringCredentials();
    const answer = await postRaw(await harness.listen(), bodyOf(200_000), { authorization: 'Bearer not-a-jwt' }, 'content-length');
    expect(answer).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message: 'Authentication failed: the token is not a valid JWT.' });
  });

  it.each(['content-length', 'chunked'] as const)('takes a body within the free 64 KiB from a caller without credentials, framed by %s', async (framing) => {
    const harness = await startRequiringCredentials();
    const answer = await postRaw(await harness.listen(), JSON.stringify({ query: `{ gateway { region } } # ${'x'.repeat(10_000)}` }), {}, framing);
    expect(answer).toMatchObject({ status: 200 });
  });

  it('takes a large body from a caller who may mint', async () => {
    const harness = await startRequiringCredentials();
    const minter = await signToken({ scope: 'faceid:selfie' });
    const answer = await postRaw(await harness.listen(), bodyOf(200_000), { authorization: `Bearer ${minter}` }, 'chunked');
    expect(answer).toMatchObject({ status: 200 });
    expect(harness.emulator.requests).toHaveLength(1);
  });
});

describe('each caller\'s share of the memory bodies may hold', () => {
  // A caller's share is a quarter of it (MAX_CALLER_HELD_BODY_SHARE), 10 MiB, more than one body of the largest size.
  const BUDGET = 40 * 2 ** 20;
  const CALLER_SHARE = BUDGET * MAX_CALLER_HELD_BODY_SHARE;

  /** Opens a connection that sends all but the last 100,000 bytes of a `bytes`-long token request as `token`'s caller. */
  function holdUnfinishedBody(url: string, bytes: number, token: string): Socket {
    const { port } = new URL(url);
    const body = bodyOf(bytes);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    socket.write(body.slice(0, bytes - 100_000));
    return socket;
  }

  it('keeps a share free for other callers however many uploads one caller who may mint stalls, and lets it use the rest', async () => {
    const harness = await start({ app: { authenticate: createAuthenticator(REQUIRED_AUTH), maxHeldBodyBytes: BUDGET } });
    const url = await harness.listen();
    const [hoarder, other] = await Promise.all([signToken({ sub: 'hoarder', scope: 'faceid:selfie' }), signToken({ sub: 'other', scope: 'faceid:selfie' })]);
    const heldBytes = async () => Number(/^faceid_gateway_held_body_bytes (\d+)$/m.exec(await (await harness.app.fetch('http://gateway.test/metrics')).text())![1]);
    // Five stalled 6 MB uploads: 29.7 MB, past the hoarder's 10 MiB share but leaving it free.
    const held: Socket[] = [];
    for (let count = 1; count <= 5; count += 1) {
      held.push(holdUnfinishedBody(url, 6_000_000, hoarder));
      await expect.poll(heldBytes).toBeGreaterThan(count * 5_900_000);
    }

    // A sixth would leave less than a share free: refused.
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hoarder}` }, body: bodyOf(6_000_000) });
    const { errors } = (await refused.json()) as { errors: Array<{ message: string; extensions: unknown }> };
    expect(errors).toEqual([
      {
        message: `The gateway is holding as many request bodies as it may at once (${BUDGET} bytes in all; past ${CALLER_SHARE} bytes, a caller may only use what leaves as much free for the others); retry in a moment.`,
        extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter: 1 },
      },
    ]);
    // Another caller's image of the same size is taken and sent to Tencent.
    const taken = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` }, body: bodyOf(6_000_000) });
    expect(((await taken.json()) as { data?: { getSelfieToken?: unknown } }).data?.getSelfieToken).toBeTruthy();
    expect(harness.emulator.requests).toHaveLength(1);

    for (const socket of held) socket.destroy();
    await expect.poll(heldBytes).toBe(0);
  });
});

describe('the values a JSON body holds', () => {
  /** A token request whose unused variable is a list of `items` empty objects. */
  const bodyWithObjects = (items: number) =>
    JSON.stringify({ ...SELFIE, variables: { ...SELFIE.variables, padding: [] } }).replace('"padding":[]', `"padding":[${'{},'.repeat(items - 1)}{}]`);
  /** The same with a list of `items` zeros: one more value per item. */
  const bodyWithZeros = (items: number) => bodyWithObjects(1).replace('"padding":[{}]', `"padding":[${'0,'.repeat(items - 1)}0]`);
  const marksOf = (body: string) => scanJsonValues(Buffer.from(body), Number.MAX_SAFE_INTEGER).count;

  it('refuses a body of millions of empty objects in the variables before parsing it, naming the field', async () => {
    const { app, emulator } = await start();
    const body = bodyWithObjects(Math.floor((MAX_REQUEST_BODY_BYTES - 200) / 3));
    const response = await app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(response.status).toBe(200);
    const { errors } = (await response.json()) as { errors: Array<{ message: string; extensions: unknown }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field: 'padding' });
    expect(errors[0]!.message).toMatch(/^padding is a list of more than \d+ items; no input of this schema takes more than 64\.$/);
    expect(emulator.requests).toHaveLength(0);
    // Counted once, as the variables limits' refusals are.
    const metrics = await (await app.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/^faceid_gateway_rejections_total\{reason="invalid_input"\} 1$/m);
    expect(metrics).not.toContain('reason="body_json_values"');
  });

  it('refuses millions of values outside the variables with BAD_REQUEST', async () => {
    const { app } = await start();
    const body = JSON.stringify({ ...SELFIE, extensions: { padding: [] } }).replace('"padding":[]', `"padding":[${'0,'.repeat(1_000_000)}0]`);
    const response = await app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: `The request body holds more than ${MAX_BODY_JSON_VALUES} JSON values (counted by the commas, brackets and braces outside strings); no request to this API needs more than a few hundred.`,
          extensions: { code: 'BAD_REQUEST', retryable: false },
        },
      ],
    });
    const metrics = await (await app.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/^faceid_gateway_rejections_total\{reason="body_json_values"\} 1$/m);
  });

  it('parses a body at the bound, and leaves it to the variables limits', async () => {
    const { app } = await start();
    const items = MAX_BODY_JSON_VALUES - (marksOf(bodyWithZeros(1)) - 1);
    expect(marksOf(bodyWithZeros(items))).toBe(MAX_BODY_JSON_VALUES);
    const response = await app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyWithZeros(items) });
    const { errors } = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0]!.message).toMatch(/^padding is a list of \d+ items/);

    const over = await app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyWithZeros(items + 1) });
    const overErrors = ((await over.json()) as { errors: Array<{ message: string; extensions: { code: string } }> }).errors;
    expect(overErrors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(overErrors[0]!.message).toMatch(/^padding is a list of more than \d+ items/);
  });

  it('does not count what is inside strings: a long text with commas is the variables checks\' to refuse', async () => {
    const { app } = await start();
    const body = JSON.stringify(selfieTokenRequest({ extra: ',{['.repeat(MAX_BODY_JSON_VALUES) }));
    const response = await app.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const { errors } = (await response.json()) as { errors: Array<{ extensions: { code: string; field?: string } }> };
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.extra' });
  });

  it('counts the variables of a form-encoded request too', async () => {
    const { app } = await start();
    const form = new URLSearchParams({ query: SELFIE.query, variables: `{"input":{},"padding":[${'{},'.repeat(MAX_BODY_JSON_VALUES)}{}]}` });
    const response = await app.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' },
      body: form.toString(),
    });
    expect(((await response.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field: 'padding' });
  });
});
