/**
 * GraphiQL in a real browser: Debian's headless Chromium opens /graphql on a gateway backed by the emulator, runs
 * the example operation with the run button, and must see a minted token — with every request the page makes going
 * to the gateway itself (no CDN, so GraphiQL works offline). Leaves a screenshot in test-artifacts/graphiql.png.
 *
 * Without /usr/bin/chromium the tests are skipped on a developer machine and fail in CI (`CI` set).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { GRAPHIQL_EXAMPLE_OPERATION } from '../src/graphiql.js';
import { chromiumMissing, launchChromium, recordRequests } from './helpers/browser.js';
import { startHarness, type Harness } from './helpers/harness.js';

const SCREENSHOT_PATH = fileURLToPath(new URL('../test-artifacts/graphiql.png', import.meta.url));

/**
 * Every wait on the page. Loading the ≈9 MB page and starting GraphiQL's Monaco editors takes about 4.5 s on the
 * 2-core development machine; 30 s leaves room for a loaded CI machine while a page that never loads still fails
 * well inside the test's own limit.
 */
const PAGE_TIMEOUT_MS = 30_000;

/** The shape of the tokens Tencent (and the emulator) mint. */
const SDK_TOKEN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

const missing = chromiumMissing();

/** Monaco lays text out with non-breaking spaces; compare what a reader sees. */
function visibleText(text: string): string {
  return text.replaceAll('\u00a0', ' ');
}

describe('GraphiQL in headless Chromium', () => {
  let browser: Browser | undefined;
  const harnesses: Harness[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // CI is where this check must run: a missing browser there is a broken CI image, not a reason to skip.
    if (missing && process.env.CI) throw new Error(`CI must run the GraphiQL browser tests, but ${missing}`);
    // The default reporter folds a passing file's skipped tests, notes included: say it where a developer looks.
    if (missing) console.warn(`GraphiQL browser tests skipped: ${missing}`);
    else browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    for (const harness of harnesses) await harness.close();
  });

  /** A gateway on the emulator behind a real HTTP server on 127.0.0.1; returns the harness and its /graphql URL. */
  async function startGateway(graphiql: boolean): Promise<{ harness: Harness; url: string }> {
    const harness = await startHarness({ app: { graphiql } });
    harnesses.push(harness);
    return { harness, url: await harness.listen() };
  }

  /** A fresh page in its own context (no storage shared between tests), or the test is skipped without a browser. */
  async function openPage(skip: TestContext['skip']): Promise<{ context: BrowserContext; page: Page }> {
    if (!browser) return skip(missing ?? 'the browser did not start');
    // Wide enough for the editor and the result side by side in the screenshot.
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    return { context, page: await context.newPage() };
  }

  it('loads with no external request, shows the example operation, and mints a selfie token with the run button', async ({ skip }) => {
    const { harness, url } = await startGateway(true);
    const { context, page } = await openPage(skip);
    const requests = recordRequests(context);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);

    // GraphiQL has loaded when its query editor shows the example operation, whole.
    const queryEditor = page.locator('.graphiql-query-editor .view-lines');
    await queryEditor.filter({ hasText: 'mutation GetSelfieToken' }).waitFor();
    expect(visibleText(await queryEditor.innerText())).toBe(GRAPHIQL_EXAMPLE_OPERATION.trimEnd());

    // The schema introspection GraphiQL sends on load is also a POST to /graphql: wait for the operation itself.
    const [minted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.request().postDataJSON()?.operationName === 'GetSelfieToken'),
      page.locator('.graphiql-execute-button').click(),
    ]);
    const answer = (await minted.json()) as { data?: { getSelfieToken: { sdkToken: string; requestId: string } }; errors?: unknown[] };
    expect(answer.errors).toBeUndefined();
    expect(minted.status()).toBe(200);
    const token = answer.data?.getSelfieToken;
    expect(token?.sdkToken).toMatch(SDK_TOKEN);

    // The result pane shows exactly that answer, and it came from one real call to the emulator.
    const resultPane = page.locator('.graphiql-response .view-lines');
    await resultPane.filter({ hasText: `"sdkToken": "${token?.sdkToken}"` }).waitFor();
    expect(JSON.parse(visibleText(await resultPane.innerText()))).toEqual(answer);
    expect(harness.emulator.requests.map((r) => [r.action, r.responseCode, r.responseRequestId])).toEqual([
      ['GetFaceIdTokenIntl', 'OK', token?.requestId],
    ]);

    await mkdir(dirname(SCREENSHOT_PATH), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH });

    // Same origin for everything, the Monaco workers' blob: URLs included: no CDN, so it works offline.
    const origin = new URL(url).origin;
    expect(requests).toContain(url);
    expect(requests.filter((request) => new URL(request).origin !== origin)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('sends a header typed in its Headers tab and keeps it out of localStorage', async ({ skip }) => {
    const { url } = await startGateway(true);
    const { page } = await openPage(skip);
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('.graphiql-query-editor .view-lines').filter({ hasText: 'mutation GetSelfieToken' }).waitFor();

    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.insertText('{"Authorization": "Bearer header-typed-in-graphiql"}');
    const [minted] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.postDataJSON()?.operationName === 'GetSelfieToken'),
      page.locator('.graphiql-execute-button').click(),
    ]);
    expect(minted.headers().authorization).toBe('Bearer header-typed-in-graphiql');

    // GraphiQL saves a tab's editors together, a moment after a change: once variables typed after the header are
    // saved, the header would have been saved too.
    await page.locator('.graphiql-editor-tools button[data-name="variables"]').click();
    await page.locator('.graphiql-editor-tool .monaco-editor').first().click();
    await page.keyboard.insertText('{"savedAfterTheHeader": true}');
    await expect.poll(() => page.evaluate(() => localStorage.getItem('graphiql:tabState') ?? ''), { timeout: PAGE_TIMEOUT_MS }).toContain('savedAfterTheHeader');
    const stored = await page.evaluate(() => Object.entries(localStorage));
    expect(stored.filter(([, value]) => value.includes('header-typed-in-graphiql'))).toEqual([]);
  }, 90_000);

  it('is not served when GraphiQL is off: a browser GET of /graphql gets a GraphQL JSON error, not the page', async ({ skip }) => {
    const { url } = await startGateway(false);
    const { page } = await openPage(skip);

    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.headers()['content-type']).toMatch(/^application\/json/);
    expect(await response?.text()).not.toContain('YogaGraphiQL');
    expect(await page.locator('.graphiql-container').count()).toBe(0);
  }, 90_000);
});
