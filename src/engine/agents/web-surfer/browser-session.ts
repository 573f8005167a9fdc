/**
 * One Chromium for one web surfer run, driven by playwright-core: Debian's `chromium` (or a
 * browser_channel), launched on the first turn, with a fresh profile directory, closed (process
 * and directory) by {@link BrowserSession.close}.
 *
 * Every request the browser makes (pages, redirects, frames, images, scripts, fetch/XHR) is
 * routed through the egress policy: the route handler fetches it with the policy's pinned
 * fetch (checked destination, no DNS rebinding) and fulfils the browser's request with the
 * answer. Redirects: Chromium follows a fulfilled 3xx itself, past the routing, so a 3xx never
 * reaches it. A page's redirect is answered with a small page that replaces itself with the
 * target (the next navigation is routed and checked again; the address bar shows the target); a
 * subresource's redirect is followed here, every hop checked, at most {@link MAX_REDIRECTS}.
 * A refused request is remembered in {@link refusals}; a refused page is answered with a 403
 * page saying why, any other refused request is aborted (`blockedbyclient`).
 * Anything routing cannot see (WebSockets, a service worker's own fetches) goes to a proxy that
 * does not exist and fails: service workers are blocked and `--proxy-server` points nowhere.
 */
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request, type Route } from 'playwright-core';
import { EgressRefusedError, type EgressPolicy } from '../../egress/index.js';

/** Flags for Chromium on a server (as root, no GPU, no background traffic of its own). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Traffic routing does not see (WebSockets) goes to this closed port and fails.
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
];

/** Prefix of the profile directories, so a test can find a leftover browser process by it. */
export const PROFILE_PREFIX = 'teamstream-websurfer-';

export interface BrowserSessionOptions {
  /** The browser executable (default CHROMIUM_PATH, `/usr/bin/chromium`). Ignored when `channel` is set. */
  executablePath: string;
  /** A playwright browser channel (`chrome`, `msedge`…) instead of the executable. */
  channel?: string;
  headless: boolean;
  /** Viewport in CSS px; undefined: playwright's default (1280×720). */
  viewport?: { width: number; height: number };
  egress: EgressPolicy;
  /** Playwright's timeout for each action and navigation, in ms. */
  timeoutMs: number;
}

/** A request the egress policy refused: its URL and the policy's reason. */
export interface Refusal {
  url: string;
  message: string;
}

/** How long after an action a page navigation may take to start before the action counts as not navigating, ms. */
export const NAVIGATION_GRACE_MS = 300;

/** Most redirects of one subresource request, as browsers allow. */
export const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Response headers that describe the wire, not the (already decoded) body. */
const WIRE_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
/** Request headers the pinned fetch sets itself. */
const SKIPPED_REQUEST_HEADERS = new Set(['host', 'content-length', 'connection']);

export class BrowserSession {
  readonly refusals: Refusal[] = [];
  /** Main-frame navigations the policy refused, as {@link refusals} entries (actions check it). */
  readonly refusedNavigations: Refusal[] = [];
  /** Main-frame URLs answered with a redirect page, in order (the next navigation is on its way). */
  readonly redirectPages: string[] = [];
  private closed = false;
  private readonly abort = new AbortController();

  private constructor(
    readonly context: BrowserContext,
    public page: Page,
    private readonly profileDir: string,
  ) {}

  /** Launches the browser, routes its traffic through the egress policy, opens one page. */
  static async launch(options: BrowserSessionOptions): Promise<BrowserSession> {
    const profileDir = await mkdtemp(join(tmpdir(), PROFILE_PREFIX));
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        ...(options.channel ? { channel: options.channel } : { executablePath: options.executablePath }),
        headless: options.headless,
        args: options.headless ? ['--headless', ...CHROMIUM_ARGS] : CHROMIUM_ARGS,
        viewport: options.viewport ?? null,
        serviceWorkers: 'block',
        acceptDownloads: false,
        timeout: options.timeoutMs,
      });
    } catch (error) {
      await rm(profileDir, { recursive: true, force: true });
      throw error;
    }
    context.setDefaultTimeout(options.timeoutMs);
    const page = context.pages()[0] ?? (await context.newPage());
    const session = new BrowserSession(context, page, profileDir);
    // Every request in flight listens on this one signal: a page loads dozens at once.
    setMaxListeners(0, session.abort.signal);
    await context.route('**/*', (route) => session.forward(route, options.egress));
    return session;
  }

  /** The refusal recorded for `url`, if the policy refused it. */
  refusalFor(url: string): Refusal | undefined {
    return this.refusals.findLast((r) => r.url === url);
  }

  /**
   * Waits for the page to load (following redirect pages to their target) and then for its
   * network to be idle (500 ms without requests); each wait is at most `limitMs` ms.
   */
  async settle(limitMs: number): Promise<void> {
    const page = this.page;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await page.waitForLoadState('load', { timeout: limitMs }).catch(() => undefined);
      const interim = this.redirectPages.shift();
      if (interim === undefined) break;
      await page.waitForURL((u) => u.href !== interim, { timeout: limitMs, waitUntil: 'load' }).catch(() => undefined);
    }
    await page.waitForLoadState('networkidle', { timeout: limitMs }).catch(() => undefined);
  }

  /**
   * Runs an action that may navigate the page (a click, Enter in a form, back), then waits:
   * when a navigation of the page starts within {@link NAVIGATION_GRACE_MS}, until its document
   * has loaded (at most `limitMs`), then as {@link settle} does.
   */
  async act<T>(action: () => Promise<T>, limitMs: number): Promise<T> {
    const page = this.page;
    let started = false;
    let loaded = false;
    const onRequest = (request: Request) => {
      if (isMainFrameNavigation(request) && request.frame() === page.mainFrame()) started = true;
    };
    const onLoad = () => void (loaded = started);
    page.on('request', onRequest);
    page.on('load', onLoad);
    try {
      const result = await action();
      const grace = Date.now() + NAVIGATION_GRACE_MS;
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline && !(started ? loaded : Date.now() >= grace)) await new Promise((resolve) => setTimeout(resolve, 25));
      await this.settle(limitMs);
      return result;
    } finally {
      page.off('request', onRequest);
      page.off('load', onLoad);
    }
  }

  /** Closes the browser (its process ends) and deletes the profile. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    await this.context.close().catch(() => undefined);
    await rm(this.profileDir, { recursive: true, force: true }).catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async forward(route: Route, egress: EgressPolicy): Promise<void> {
    const request = route.request();
    const url = request.url();
    const mainFrame = isMainFrameNavigation(request);
    try {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers())) if (!SKIPPED_REQUEST_HEADERS.has(key)) headers[key] = value;
      const body = request.postDataBuffer();
      let init: RequestInit = {
        method: request.method(),
        headers,
        body: body ? new Uint8Array(body) : undefined,
        redirect: 'manual',
        signal: this.abort.signal,
      };
      let target = url;
      let response = await fetchOnce(egress, target, init);
      for (let hop = 0; REDIRECT_STATUSES.has(response.status) && response.headers.has('location'); hop++) {
        const next = new URL(response.headers.get('location')!, target).href;
        if (request.isNavigationRequest()) {
          if (mainFrame) this.redirectPages.push(url);
          await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: redirectPage(next) });
          return;
        }
        if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
        target = next;
        // 303 (and 301/302 after POST, as browsers do) turn into a GET without a body.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && init.method === 'POST')) {
          init = { ...init, method: 'GET', body: undefined };
        }
        response = await fetchOnce(egress, target, init);
      }
      const answer: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        if (!WIRE_HEADERS.has(key)) answer[key] = answer[key] === undefined ? value : `${answer[key]}\n${value}`;
      });
      await route.fulfill({ status: response.status, headers: answer, body: Buffer.from(await response.arrayBuffer()) });
    } catch (error) {
      if (error instanceof EgressRefusedError) {
        const refusal = { url, message: error.message };
        this.refusals.push(refusal);
        if (mainFrame) this.refusedNavigations.push(refusal);
      }
      if (mainFrame && error instanceof EgressRefusedError) {
        // A page of our own rather than Chromium's error page, which commits late and can cut
        // into the next navigation; the model sees why.
        await route.fulfill({ status: 403, contentType: 'text/html; charset=utf-8', body: refusalPage(error.message) }).catch(() => undefined);
        return;
      }
      await route.abort(error instanceof EgressRefusedError ? 'blockedbyclient' : 'failed').catch(() => undefined);
    }
  }
}

/**
 * The policy's fetch, tried a second time when a GET or HEAD fails on the network (a pooled
 * connection the server closed just as it was reused), as browsers retry such a request.
 */
async function fetchOnce(egress: EgressPolicy, url: string, init: RequestInit): Promise<Response> {
  try {
    return await egress.fetch(url, init);
  } catch (error) {
    const idempotent = init.method === 'GET' || init.method === 'HEAD';
    if (!idempotent || !(error instanceof TypeError) || init.signal?.aborted) throw error;
    return egress.fetch(url, init);
  }
}

/** Whether `request` loads a top-level document (a service worker's request has no frame: false). */
function isMainFrameNavigation(request: Request): boolean {
  try {
    return request.isNavigationRequest() && request.frame().parentFrame() === null;
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page shown for a refused navigation. */
function refusalPage(message: string): string {
  return `<!doctype html><title>Refused by the egress policy</title><h1>Refused by the egress policy</h1><p>${escapeHtml(message)}</p>`;
}

/** A page that replaces itself with `target` at once (script, or meta refresh without it). */
function redirectPage(target: string): string {
  const json = JSON.stringify(target).replace(/</g, '\\u003c');
  const attr = target.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html><meta http-equiv="refresh" content="0;url=${attr}"><script>location.replace(${json})</script>`;
}
