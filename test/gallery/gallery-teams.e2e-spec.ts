/**
 * Every team of AGS's default gallery runs to its terminal frame against local fake model
 * servers, on OpenAI-compatible clients (as the gallery ships them) and on the gallery's Claude
 * entry (AnthropicChatCompletionClient): from the run socket (as AGS's front-end starts a run),
 * and from the CLI (`teamstream run`, the bundled CLI in a child process). The Web Agent Team's
 * MultimodalWebSurfer drives the real Chromium against a loopback site; no Chromium is left after
 * a run, from the socket or the CLI.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from '../support/runs.js';
import { RunViewer } from '../support/run-viewer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { BundledCli } from '../support/cli.js';
import { browsersUsing, noBrowserLeft } from '../web-surfer/browser-processes.js';
import { startSite, type Site } from '../web-surfer/site.js';
import { gallery, galleryPlans, HANDBOOK_PATH, HANDBOOK_TEXT, prepareTeam, RESEARCH_PAGE_TEXT, START_PATH, type TeamPlan } from './gallery-plans.js';

const PROVIDERS = ['openai', 'anthropic'] as const;

let site: Site;
let scratch: string;
let bundled: BundledCli;

beforeAll(async () => {
  site = await startSite((at) => {
    if (at === '/facts') return { body: `<html><body><h1>Facts</h1><p>${RESEARCH_PAGE_TEXT}</p></body></html>` };
    if (at === START_PATH) return { body: '<!doctype html><title>Start</title><p>Start page</p>' };
    if (at === HANDBOOK_PATH) return { body: `<!doctype html><title>Handbook</title><h1>Handbook</h1><p>${HANDBOOK_TEXT}</p>` };
    return undefined;
  });
  scratch = mkdtempSync(path.join(tmpdir(), 'teamstream-gallery-'));
  bundled = await BundledCli.build('teamstream-gallery-spec');
}, 60_000);

afterAll(async () => {
  await site?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  bundled?.remove();
});

describe('the AGS default gallery’s teams', () => {
  it('are all covered: every team of the gallery is planned here, with no exception', () => {
    const labels = gallery.components.teams!.map((t) => t.label as string);
    const planned = galleryPlans('http://unused').map((p) => p.label);
    expect([...planned].sort()).toEqual([...labels].sort());
  });

  describe('from the run socket', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    for (const provider of PROVIDERS) {
      for (const label of galleryPlans('').map((p) => p.label)) {
        it(`${label} on ${provider}: runs to its result frame`, async () => {
          const plan = galleryPlans(site.url).find((p) => p.label === label)!;
          const prepared = await prepareTeam(plan, provider);
          try {
            const { runId } = await createRun(t, prepared.team);
            const viewer = await RunViewer.open(t.baseUrl, runId, { token: 'null' });
            await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
            viewer.send({ type: 'start', task: plan.task, team_config: prepared.team });
            const terminal = await viewer.terminal(60_000);
            await viewer.close();
            expect(terminal.type, JSON.stringify(terminal).slice(0, 600)).toBe('result');
            expect(terminal.data.task_result.stop_reason).toBe(plan.stopReason);
            expectTexts(JSON.stringify(terminal.data.task_result.messages), plan);
            expect(prepared.unused()).toBe(0);
            const row = await t.http.get(`/api/runs/${runId}`).expect(200);
            expect(row.body.data.status).toBe('complete');
            // The web surfer's Chromium (a child of this process: the app runs in it) is gone.
            await noBrowserLeft();
          } finally {
            await prepared.close();
          }
        }, 90_000);
      }
    }
  });

  describe('from the CLI (teamstream run)', () => {
    for (const provider of PROVIDERS) {
      for (const label of galleryPlans('').map((p) => p.label)) {
        it(`${label} on ${provider}: exit 0 with the stop reason`, async () => {
          const plan = galleryPlans(site.url).find((p) => p.label === label)!;
          const prepared = await prepareTeam(plan, provider);
          // The CLI's temporary files (the surfer's browser profile) go here, so its Chromium is
          // found by its command line even once the CLI has exited (an orphan has no parent here).
          const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
          try {
            const file = path.join(scratch, `${label.replace(/\W+/g, '-')}-${provider}.json`);
            writeFileSync(file, JSON.stringify(prepared.team));
            // EGRESS_ALLOW reaches the CLI through its environment, as the server's through its config.
            const out = await cli(['run', file, '--task', plan.task], { EGRESS_ALLOW: '127.0.0.1', TMPDIR: tmp });
            expect(out.code, out.stderr).toBe(0);
            expect(out.stdout).toContain(plan.stopReason);
            expectTexts(out.stdout, plan);
            expect(prepared.unused()).toBe(0);
            expect(browsersUsing(tmp)).toEqual([]);
            expect(readdirSync(tmp).filter((name) => name.startsWith('teamstream-websurfer-'))).toEqual([]);
          } finally {
            await prepared.close();
          }
        }, 90_000);
      }
    }

    it('gives the web surfer the CHROMIUM_PATH and WEB_SURFER_SEARCH_URL of its environment (LoadContext.webSurfer)', async () => {
      const plan = galleryPlans(site.url).find((p) => p.label === 'Web Agent Team (Operator)')!;
      const prepared = await prepareTeam(plan, 'openai');
      try {
        const file = path.join(scratch, 'web-agent-settings.json');
        writeFileSync(file, JSON.stringify(prepared.team));
        // A search page without {query} is refused before any run, naming the setting.
        const badSearch = await cli(['run', file, '--task', plan.task], {
          EGRESS_ALLOW: '127.0.0.1',
          WEB_SURFER_SEARCH_URL: 'https://search.example/',
        });
        expect(badSearch.code).toBe(1);
        expect(badSearch.stderr).toContain('WEB_SURFER_SEARCH_URL');
        // The surfer launches the browser the setting names, here one that is not there: its turn
        // is the error as its reply ("Web surfing error", as AgentChat's), and the team goes on.
        const missing = path.join(scratch, 'no-such-chromium');
        const out = await cli(['run', file, '--task', plan.task], { EGRESS_ALLOW: '127.0.0.1', CHROMIUM_PATH: missing });
        expect(out.code, out.stderr).toBe(0);
        expect(out.stdout).toContain('websurfer_agent: Web surfing error:');
        expect(out.stdout).toContain(`executable doesn't exist at ${missing}`);
      } finally {
        await prepared.close();
      }
    }, 90_000);
  });
});

function expectTexts(haystack: string, plan: TeamPlan): void {
  for (const text of plan.expectText) expect(haystack, `${plan.label}: ${text}`).toContain(text);
}

/** `teamstream <args>` with `env` added; stdin closed (nobody answers an input request). */
function cli(args: string[], env: NodeJS.ProcessEnv) {
  return bundled.run(args, { env, stdin: '', timeoutMs: 60_000 });
}
