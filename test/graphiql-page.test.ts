/**
 * The GraphiQL page as bytes: rendered once, served from one buffer, and costing nothing per client that does not
 * read it. What a person sees in it is checked in Chromium (graphiql-browser.test.ts).
 */
import net from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_OFF_MESSAGE, graphiqlOptions } from '../src/graphiql.js';
import { startHarness, type Harness } from './helpers/harness.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the GraphiQL page', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ app: { graphiql: true } });
  });
  afterAll(() => harness.close());

  it('is rendered once: the renderer hands out the same buffer for every request', async () => {
    const { renderGraphiQL, graphiql } = graphiqlOptions(true) as { renderGraphiQL: (options: object) => Promise<unknown>; graphiql: object };
    const first = await renderGraphiQL(graphiql);
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(await renderGraphiQL({ ...graphiql })).toBe(first);
    // Other options (never a client's) get a page of their own.
    expect(await renderGraphiQL({ ...graphiql, title: 'other' })).not.toBe(first);
  });

  it('is served whole, with its length, to every browser', async () => {
    const pages = await Promise.all(
      [1, 2].map(async () => {
        const response = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } });
        const body = Buffer.from(await response.arrayBuffer());
        return { response, body };
      }),
    );
    for (const { response, body } of pages) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(Number(response.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBeGreaterThan(1_000_000);
      expect(body.toString('utf8')).toContain('<title>faceid-gateway</title>');
    }
    expect(pages[0]!.body.equals(pages[1]!.body)).toBe(true);
  });

  it.each([
    ['br', 'gzip, deflate, br', brotliDecompressSync, 2_500_000],
    ['gzip', 'gzip, deflate', gunzipSync, 3_000_000],
    ['gzip', 'br;q=0, gzip', gunzipSync, 3_000_000],
  ])('is compressed with %s for a browser that sends Accept-Encoding: %s, to the same page', async (coding, acceptEncoding, decompress, largest) => {
    const plain = Buffer.from(await (await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } })).arrayBuffer());
    // The in-process fetch does not decode: the bytes are what goes on the wire.
    const response = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT, 'accept-encoding': acceptEncoding } });
    const wire = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-encoding')).toBe(coding);
    // Origin too: CORS is on (any origin) in this harness.
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Origin');
    expect(Number(response.headers.get('content-length'))).toBe(wire.length);
    expect(wire.length).toBeLessThan(largest);
    expect(decompress(wire).equals(plain)).toBe(true);
  });

  it('answers a browser that has the page with 304, by its ETag, and asks it to check every time', async () => {
    const first = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } });
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT, 'if-none-match': `W/${etag}` } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const other = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT, 'if-none-match': '"another"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it('costs the gateway no copy of the page per client that does not read it', async () => {
    const url = new URL(await harness.listen());
    const clients = 40;
    const request = `GET /graphql HTTP/1.1\r\nHost: ${url.host}\r\nAccept: ${BROWSER_ACCEPT}\r\n\r\n`;
    // Warm: the page is rendered and the module loaded before memory is read.
    await (await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } })).arrayBuffer();
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const sockets = await Promise.all(
      Array.from({ length: clients }, async () => {
        const socket = net.connect(Number(url.port), url.hostname);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.pause();
        socket.write(request);
        return socket;
      }),
    );
    // Until every answer has been handed to its socket: each has filled what the kernel takes and waits.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const grown = process.memoryUsage().rss - before;
    for (const socket of sockets) socket.destroy();
    // A copy each would be 40 × 9 MB, 360 MB; the kernel's own buffers are not counted in the process's RSS.
    expect(grown).toBeLessThan(120 * 1024 * 1024);
  });
});

describe('the endpoint with GraphiQL off', () => {
  it('tells a browser that GraphiQL is off, and still answers a GET query and a non-browser GET', async () => {
    const harness = await startHarness({ app: { graphiql: false } });
    try {
      const page = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: BROWSER_ACCEPT } });
      expect(page.status).toBe(400);
      expect(await page.json()).toEqual({ errors: [{ message: GRAPHIQL_OFF_MESSAGE, extensions: { code: 'BAD_REQUEST', retryable: false } }] });
      const query = await harness.app.fetch(`http://gateway.test/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: BROWSER_ACCEPT } });
      expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
      const bare = await harness.app.fetch('http://gateway.test/graphql', { headers: { accept: 'application/json' } });
      expect(((await bare.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe('Must provide query string.');
    } finally {
      await harness.close();
    }
  });
});
