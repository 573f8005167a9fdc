/**
 * The browser pieces against a real Chromium (Debian's, driven by playwright-core) and a site on
 * loopback: what the page script reads, the set-of-marks overlay, and the egress routing of
 * pages, subresources and redirects. Skipped where chromium is not installed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressPolicy, parseEgressAllow } from '../../egress/index.js';
import { BrowserSession, PROFILE_PREFIX } from './browser-session.js';
import { COLLECT_INTERACTIVE_REGIONS, READ_FOCUSED_ID, READ_VISUAL_VIEWPORT, type InteractiveRegion, type VisualViewport } from './page-script.js';
import { drawMarksScript, marksFor, partitionRegions, REMOVE_MARKS } from './set-of-marks.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Site {
  server: Server;
  port: number;
  paths: string[];
}

async function serve(handler: (path: string, port: number) => { status?: number; headers?: Record<string, string>; body?: string }): Promise<Site> {
  const site = { paths: [] as string[] } as Site;
  site.server = createServer((req, res) => {
    site.paths.push(req.url ?? '');
    const answer = handler(req.url ?? '', site.port);
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...answer.headers });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve));
  site.port = (site.server.address() as AddressInfo).port;
  return site;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Chromium processes still running with one of our profile directories, started by this test process. */
function leftoverBrowsers(): number[] {
  const ours = (pid: number) => {
    for (let p: number | undefined = pid, depth = 0; p && depth < 64; p = parentOf(p), depth++) if (p === process.pid) return true;
    return false;
  };
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PROFILE_PREFIX) && ours(pid);
      } catch {
        return false;
      }
    });
}

describe.skipIf(!existsSync(CHROMIUM))('BrowserSession and the page script in Chromium', () => {
  let site: Site;
  let forbidden: Site;
  let session: BrowserSession;

  beforeAll(async () => {
    forbidden = await serve(() => ({ body: 'secret' }));
    site = await serve((path) => {
      if (path === '/') {
        return {
          body: `<!doctype html><title>Home</title>
            <a href="/docs" id="docs">Docs</a>
            <button aria-label="Close dialog">x</button>
            <label>Search <input id="q" type="search" name="q"></label>
            <input type="hidden" name="h">
            <div style="display:none"><a href="/hidden">Hidden</a></div>
            <div style="height:3000px"></div>
            <a href="/far">Far away</a>`,
        };
      }
      if (path === '/with-image') return { body: `<title>Img</title><img src="http://127.0.0.1:${forbidden.port}/pixel.png">` };
      if (path === '/redirect-out') return { status: 302, headers: { location: `http://127.0.0.1:${forbidden.port}/` } };
      if (path === '/redirect-in') return { status: 302, headers: { location: '/docs' } };
      return { body: `<title>${path}</title><p>page ${path}</p>` };
    });
    // Only the site's own port is allowed: the forbidden server is on loopback too, on another port.
    const egress = new EgressPolicy({ allow: parseEgressAllow(`127.0.0.1:${site.port}`) });
    session = await BrowserSession.launch({
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      egress,
      timeoutMs: 20_000,
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    site?.server.close();
    forbidden?.server.close();
  });

  it('lists visible interactive elements with role and accessible name, and ids the locator finds', async () => {
    await session.page.goto(`http://127.0.0.1:${site.port}/`);
    const regions = (await session.page.evaluate(COLLECT_INTERACTIVE_REGIONS)) as Record<string, InteractiveRegion>;
    const summary = Object.values(regions).map((r) => [r.role, r.aria_name]);
    expect(summary).toEqual([
      ['link', 'Docs'],
      ['button', 'Close dialog'],
      ['searchbox', 'Search'],
      ['link', 'Far away'],
    ]);
    // The ids are stable across calls and written on the elements.
    const again = (await session.page.evaluate(COLLECT_INTERACTIVE_REGIONS)) as Record<string, InteractiveRegion>;
    expect(Object.keys(again)).toEqual(Object.keys(regions));
    const docsId = Object.keys(regions).find((id) => regions[id]!.aria_name === 'Docs')!;
    expect(await session.page.locator(`[__elementId="${docsId}"]`).getAttribute('id')).toBe('docs');

    const viewport = (await session.page.evaluate(READ_VISUAL_VIEWPORT)) as VisualViewport;
    expect(viewport).toMatchObject({ height: 900, width: 1440, pageTop: 0 });
    expect(viewport.scrollHeight).toBeGreaterThan(3000);
    const parts = partitionRegions(regions, viewport.height);
    expect(parts.visible.map((id) => regions[id]!.aria_name)).toEqual(['Docs', 'Close dialog', 'Search']);
    expect(parts.below.map((id) => regions[id]!.aria_name)).toEqual(['Far away']);

    await session.page.focus('#q');
    const searchId = Object.keys(regions).find((id) => regions[id]!.role === 'searchbox');
    expect(await session.page.evaluate(READ_FOCUSED_ID)).toBe(searchId);
  });

  it('draws the marks for the screenshot and removes them again', async () => {
    const regions = (await session.page.evaluate(COLLECT_INTERACTIVE_REGIONS)) as Record<string, InteractiveRegion>;
    const visible = partitionRegions(regions, 900).visible;
    const plain = await session.page.screenshot();
    await session.page.evaluate(drawMarksScript(marksFor(regions, visible)));
    const labels = await session.page.locator('#__web_surfer_marks span').allTextContents();
    expect(labels).toEqual(visible);
    const marked = await session.page.screenshot();
    expect(marked.equals(plain)).toBe(false);
    await session.page.evaluate(REMOVE_MARKS);
    expect(await session.page.locator('#__web_surfer_marks').count()).toBe(0);
  });

  it('refuses a subresource on a disallowed address: the server there sees nothing', async () => {
    await session.page.goto(`http://127.0.0.1:${site.port}/with-image`);
    await session.page.waitForLoadState('load');
    expect(forbidden.paths).toEqual([]);
    expect(session.refusals.map((r) => r.url)).toContain(`http://127.0.0.1:${forbidden.port}/pixel.png`);
    expect(session.refusals.at(-1)!.message).toMatch(/Refused by the egress policy: http:\/\/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/);
  });

  it('follows an allowed redirect and refuses a redirect to a disallowed address', async () => {
    await session.page.goto(`http://127.0.0.1:${site.port}/redirect-in`);
    await session.settle(5000);
    expect(session.page.url()).toBe(`http://127.0.0.1:${site.port}/docs`);
    expect(await session.page.title()).toBe('/docs');
    expect(site.paths).toContain('/docs');

    const refusedBefore = session.refusedNavigations.length;
    await session.page.goto(`http://127.0.0.1:${site.port}/redirect-out`);
    await session.settle(5000);
    expect(forbidden.paths).toEqual([]);
    expect(session.refusedNavigations.slice(refusedBefore).map((r) => r.url)).toEqual([`http://127.0.0.1:${forbidden.port}/`]);
  });

  it('refuses a page on the metadata address 169.254.169.254', async () => {
    const response = await session.page.goto('http://169.254.169.254/latest/meta-data/');
    // A refused page is answered by the session itself: 403 and a page saying why.
    expect(response!.status()).toBe(403);
    expect(await session.page.title()).toBe('Refused by the egress policy');
    expect(await session.page.locator('p').textContent()).toMatch(/Refused by the egress policy: http:\/\/169\.254\.169\.254: .*link-local/);
    expect(session.refusedNavigations.at(-1)!.url).toBe('http://169.254.169.254/latest/meta-data/');
    expect(session.refusalFor('http://169.254.169.254/latest/meta-data/')!.message).toMatch(/link-local|169\.254\.169\.254/);
  });

  it('a WebSocket, which routing does not see, never reaches its server (it goes to the dead proxy)', async () => {
    let upgrades = 0;
    forbidden.server.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.destroy();
    });
    await session.page.goto(`http://127.0.0.1:${site.port}/docs`);
    const outcome = await session.page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url);
          socket.onopen = () => resolve('open');
          socket.onclose = () => resolve('closed');
        }),
      `ws://127.0.0.1:${forbidden.port}/`,
    );
    expect(outcome).toBe('closed');
    expect(upgrades).toBe(0);
    expect(forbidden.paths).toEqual([]);
  });

  it('closing ends the browser process', async () => {
    const other = await BrowserSession.launch({
      executablePath: CHROMIUM,
      headless: true,
      egress: new EgressPolicy({ allow: parseEgressAllow(`127.0.0.1:${site.port}`) }),
      timeoutMs: 20_000,
    });
    const before = leftoverBrowsers().length;
    expect(before).toBeGreaterThan(0);
    await other.close();
    await other.close(); // idempotent
    const deadline = Date.now() + 10_000;
    // The session of the other tests is still open: only its processes may remain.
    await session.close();
    while (leftoverBrowsers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(leftoverBrowsers()).toEqual([]);
  });
});
