/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (no
 * browser download), a fresh user-data-dir per launch, console errors collected per page and
 * screenshots saved under test-artifacts/browser/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/browser/', import.meta.url));

/** Network features off: the page must work with nothing but the app's own origin. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** A new tab that records console errors and uncaught exceptions into `errors`. */
  newPage(options?: { phone?: boolean }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** Console `error` messages and page errors, as text. */
  errors: string[];
  /** URLs of every WebSocket the page opened. */
  sockets: string[];
  screenshot(name: string): Promise<void>;
}

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'teamstream-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    context,
    async newPage({ phone = false } = {}) {
      const page = await context.newPage();
      if (phone) await page.setViewportSize({ width: 390, height: 844 });
      const errors: string[] = [];
      const sockets: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('websocket', (socket) => sockets.push(socket.url()));
      return {
        page,
        errors,
        sockets,
        screenshot: (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }).then(() => undefined),
      };
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
