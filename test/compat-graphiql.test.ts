/**
 * GraphiQL (the page the gateway serves, @graphql-yoga/render-graphiql) in Debian's headless Chromium against the
 * real gateway process with authentication on, as a frontend developer uses it: the Docs panel lists the
 * mutations, the editor suggests `getSelfieToken` while typing, and the example operation mints a token once the
 * Authorization header is entered in the Headers tab. Both need the schema, which GraphiQL loads with the standard
 * (15 levels deep) introspection query. Screenshots of each step go to test-artifacts/compat-graphiql-*.png.
 *
 * Without /usr/bin/chromium the test is skipped on a developer machine and fails in CI (`CI` set).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from './helpers/browser.js';
import { SDK_TOKEN, startCompatGateway, type CompatGateway } from './helpers/compat-gateway.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

/** Every wait on the page: the ≈9 MB page and Monaco start in about 5 s on a 2-core machine; CI may be slower. */
const PAGE_TIMEOUT_MS = 30_000;

const missing = chromiumMissing();

/** Monaco lays text out with non-breaking spaces; compare what a reader sees. */
function visibleText(text: string): string {
  return text.replaceAll('\u00a0', ' ');
}

describe('GraphiQL in headless Chromium against the gateway process', () => {
  let browser: Browser | undefined;
  let gateway: CompatGateway;

  beforeAll(async () => {
    if (missing && process.env.CI) throw new Error(`CI must run the GraphiQL browser tests, but ${missing}`);
    if (missing) console.warn(`GraphiQL compatibility test skipped: ${missing}`);
    else browser = await launchChromium();
    gateway = await startCompatGateway();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('lists the mutations in the Docs panel, suggests getSelfieToken while typing, and mints with the example', async ({ skip }) => {
    if (!browser) return skip(missing ?? 'the browser did not start');
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // GraphiQL introspects the schema as soon as it loads: that answer feeds the Docs panel and autocompletion.
    const [introspection, pageResponse] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && /__schema/.test(response.request().postData() ?? '')),
      page.goto(gateway.url, { waitUntil: 'load' }),
    ]);
    // The 9 MB page travels compressed (Chromium accepts brotli), with a validator for the next visit.
    expect(await pageResponse!.headerValue('content-encoding')).toBe('br');
    expect(await pageResponse!.headerValue('etag')).toMatch(/^"[\w-]{27}"$/);
    expect(introspection.status()).toBe(200);
    expect(((await introspection.json()) as { errors?: unknown }).errors).toBeUndefined();
    const queryEditor = page.locator('.graphiql-query-editor .view-lines');
    await queryEditor.filter({ hasText: 'mutation GetSelfieToken' }).waitFor();

    // The example, with the caller's token entered in the Headers tab as a developer would.
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.insertText(JSON.stringify(gateway.trusted));
    const [minted] = await Promise.all([
      page.waitForResponse((response) => response.request().postDataJSON()?.operationName === 'GetSelfieToken'),
      page.locator('.graphiql-execute-button').click(),
    ]);
    const answer = (await minted.json()) as { data?: { getSelfieToken: { sdkToken: string } }; errors?: unknown[] };
    expect(answer.errors).toBeUndefined();
    const sdkToken = answer.data?.getSelfieToken.sdkToken;
    expect(sdkToken).toMatch(SDK_TOKEN);
    await page.locator('.graphiql-response .view-lines').filter({ hasText: `"sdkToken": "${sdkToken}"` }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}compat-graphiql-mint.png` });

    // Docs panel: the root types, then the Mutation type's fields.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Root Types').waitFor();
    await docs.locator('a', { hasText: /^Mutation$/ }).first().click();
    await docs.getByText('getSelfieToken', { exact: false }).first().waitFor();
    const mutationDocs = visibleText(await docs.innerText());
    expect(mutationDocs).toContain('getSelfieToken');
    expect(mutationDocs).toContain('applyEkycToken');
    await page.screenshot({ path: `${ARTIFACTS}compat-graphiql-docs.png` });

    // Autocompletion: replace the operation and type the start of a mutation field.
    await page.locator('.graphiql-query-editor .monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('mutation { getS');
    const suggestions = page.locator('.graphiql-query-editor .suggest-widget .monaco-list-row');
    await suggestions.first().waitFor();
    const labels = await suggestions.evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? row.textContent ?? ''));
    expect(labels.some((label) => label.includes('getSelfieToken'))).toBe(true);
    expect(visibleText(await queryEditor.innerText())).toMatch(/^mutation \{ getS/);
    await page.screenshot({ path: `${ARTIFACTS}compat-graphiql-autocomplete.png` });

    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
