/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core, because
 * `npx playwright install` cannot download its own browser on these machines (no internet).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** What to do when the browser is missing; used as the skip note and in CI's failure. */
export const INSTALL_CHROMIUM_HINT = 'install Debian chromium: apt-get install chromium';

/**
 * Flags for a root user on a closed network. Without the background-networking group Chromium keeps trying to
 * reach Google's hosts (component updates, sync, QUIC probes) and floods the log with refused connections;
 * `--no-sandbox` because CI runs as root, where Chromium's sandbox refuses to start.
 * Playwright itself gives every `launch()` a new, empty temporary profile (user-data-dir) and deletes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
] as const;

/** Why the browser tests cannot run on this machine, or `undefined` when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} not found; ${INSTALL_CHROMIUM_HINT}`;
}

/** Launches Debian's Chromium headless; the caller closes it. */
export async function launchChromium(options: { timeoutMs?: number } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: options.timeoutMs ?? 30_000 });
}

/**
 * Records the URL of every request made from `context` (pages, frames and their workers), in order, from now on.
 * The returned array fills as the pages load.
 */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}
