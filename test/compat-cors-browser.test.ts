/**
 * Cross-origin calls from a page in Debian's headless Chromium to the gateway process, as a frontend on its own
 * origin makes them: the browser's own preflight and CORS checks decide, not a reading of the headers. The page
 * sends the headers client libraries and tracing add on their own (Apollo, GraphQL Hive, W3C Trace Context, Sentry)
 * with `credentials: 'include'`, as Apollo Client apps commonly set, and reads a 401's `WWW-Authenticate`.
 *
 * Without /usr/bin/chromium the test is skipped on a developer machine and fails in CI (`CI` set).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_AND_TRACING_HEADERS } from '../src/protection/cors.js';
import { chromiumMissing, launchChromium } from './helpers/browser.js';
import { SDK_TOKEN, startCompatGateway, type CompatGateway } from './helpers/compat-gateway.js';

const missing = chromiumMissing();

/** A value for each header a client or tracer adds, as they send them. */
const CLIENT_HEADER_VALUES: Record<string, string> = {
  'apollographql-client-name': 'web',
  'apollographql-client-version': '1.2.3',
  'apollo-require-preflight': 'true',
  'x-apollo-operation-name': 'GetSelfieToken',
  'graphql-client-name': 'web',
  'graphql-client-version': '1.2.3',
  'x-graphql-client-name': 'web',
  'x-graphql-client-version': '1.2.3',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=value',
  baggage: 'userId=alice',
  'sentry-trace': '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
};

const MINT = JSON.stringify({ query: 'mutation GetSelfieToken { getSelfieToken(input: { checkMode: LIVENESS }) { sdkToken } }' });

describe('cross-origin calls from a page in headless Chromium', () => {
  let browser: Browser | undefined;
  let gateway: CompatGateway;
  let site: Server;
  let siteOrigin: string;

  beforeAll(async () => {
    if (missing && process.env.CI) throw new Error(`CI must run the browser tests, but ${missing}`);
    if (missing) console.warn(`CORS browser test skipped: ${missing}`);
    else browser = await launchChromium();
    // The frontend's own origin: a page with nothing on it but the script the test runs.
    site = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title>'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    gateway = await startCompatGateway({ CORS_ORIGINS: siteOrigin });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('mints with every header clients and tracing add, and credentials included, from an allowed origin', async ({ skip }) => {
    if (!browser) return skip(missing ?? 'the browser did not start');
    expect(Object.keys(CLIENT_HEADER_VALUES).sort()).toEqual([...CLIENT_AND_TRACING_HEADERS].sort());
    const page = await browser.newPage();
    await page.goto(siteOrigin);
    const outcome = await page.evaluate(
      async ({ url, headers, body }) => {
        try {
          const response = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', ...headers }, body });
          return { status: response.status, body: await response.json(), requestId: response.headers.get('x-request-id') };
        } catch (error) {
          return { failed: String(error) };
        }
      },
      { url: gateway.url, headers: { ...CLIENT_HEADER_VALUES, ...gateway.trusted }, body: MINT },
    );
    expect(outcome).toMatchObject({ status: 200, requestId: expect.any(String) });
    expect((outcome as { body: { data: { getSelfieToken: { sdkToken: string } } } }).body.data.getSelfieToken.sdkToken).toMatch(SDK_TOKEN);
    await page.close();
  }, 60_000);

  it("lets the page read a 401's WWW-Authenticate, and refuses another origin", async ({ skip }) => {
    if (!browser) return skip(missing ?? 'the browser did not start');
    const page = await browser.newPage();
    await page.goto(siteOrigin);
    const unauthenticated = await page.evaluate(
      async ({ url, body }) => {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body });
        return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
      },
      { url: gateway.url, body: MINT },
    );
    expect(unauthenticated).toEqual({ status: 401, wwwAuthenticate: 'Bearer' });
    await page.close();

    // The same call from an origin not in CORS_ORIGINS (localhost is another origin than 127.0.0.1).
    const other = await browser.newPage();
    await other.goto(siteOrigin.replace('127.0.0.1', 'localhost'));
    const refused = await other.evaluate(
      async ({ url, headers, body }) => {
        try {
          await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
          return 'read';
        } catch (error) {
          return String(error);
        }
      },
      { url: gateway.url, headers: gateway.trusted, body: MINT },
    );
    expect(refused).toMatch(/Failed to fetch/);
    await other.close();
  }, 60_000);
});
