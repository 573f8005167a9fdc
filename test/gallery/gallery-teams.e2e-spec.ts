/**
 * Every team of AGS's default gallery runs to its terminal frame against local fake model
 * servers, on OpenAI-compatible clients (as the gallery ships them) and on the gallery's Claude
 * entry (AnthropicChatCompletionClient): from the run socket (as AGS's front-end starts a run),
 * and from the CLI (`teamstream run`, the bundled CLI in a child process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from '../support/runs.js';
import { RunViewer } from '../support/run-viewer.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { gallery, galleryPlans, PENDING_TEAMS, prepareTeam, RESEARCH_PAGE_TEXT, type TeamPlan } from './gallery-plans.js';

const PROVIDERS = ['openai', 'anthropic'] as const;

let page: Server;
let pageUrl: string;
let scratch: string;
let bundle: string;
let bundleDir: string;

beforeAll(async () => {
  page = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><body><h1>Facts</h1><p>${RESEARCH_PAGE_TEXT}</p></body></html>`);
  });
  await new Promise<void>((ready) => page.listen(0, '127.0.0.1', ready));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/facts`;
  scratch = mkdtempSync(path.join(tmpdir(), 'teamstream-gallery-'));
  // Inside the repo, so the bundle's external packages resolve from its node_modules.
  bundleDir = path.join(process.cwd(), 'node_modules', '.cache', 'teamstream-gallery-spec', String(process.pid));
  bundle = path.join(bundleDir, 'main.mjs');
  await build({
    entryPoints: [path.join(process.cwd(), 'src/cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await new Promise((done) => page?.close(done));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('the AGS default gallery’s teams', () => {
  it('are all covered: every team is planned here, but for the pending ones named with their missing piece', () => {
    const labels = gallery.components.teams!.map((t) => t.label as string);
    const planned = galleryPlans('http://unused').map((p) => p.label);
    expect([...planned, ...Object.keys(PENDING_TEAMS)].sort()).toEqual([...labels].sort());
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
          const plan = galleryPlans(pageUrl).find((p) => p.label === label)!;
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
          } finally {
            await prepared.close();
          }
        }, 90_000);
      }
    }

    it('the pending Web Agent Team does not load on this branch only for want of MultimodalWebSurfer (helper "websurfer")', async () => {
      const team = gallery.components.teams!.find((x) => x.label === 'Web Agent Team (Operator)');
      const res = await t.http.post('/api/validate/').send({ component: team }).expect(200);
      // When this fails, the web surfer has arrived: move the team into galleryPlans.
      expect(res.body.is_valid).toBe(false);
      expect(res.body.errors.map((e: { error: string }) => e.error).join('\n')).toContain(PENDING_TEAMS['Web Agent Team (Operator)']);
      expect(res.body.errors).toHaveLength(1);
    });
  });

  describe('from the CLI (teamstream run)', () => {
    for (const provider of PROVIDERS) {
      for (const label of galleryPlans('').map((p) => p.label)) {
        it(`${label} on ${provider}: exit 0 with the stop reason`, async () => {
          const plan = galleryPlans(pageUrl).find((p) => p.label === label)!;
          const prepared = await prepareTeam(plan, provider);
          try {
            const file = path.join(scratch, `${label.replace(/\W+/g, '-')}-${provider}.json`);
            writeFileSync(file, JSON.stringify(prepared.team));
            const out = await cli(['run', file, '--task', plan.task], { EGRESS_ALLOW: '127.0.0.1' });
            expect(out.code, out.stderr).toBe(0);
            expect(out.stdout).toContain(plan.stopReason);
            expectTexts(out.stdout, plan);
            expect(prepared.unused()).toBe(0);
          } finally {
            await prepared.close();
          }
        }, 90_000);
      }
    }
  });
});

function expectTexts(haystack: string, plan: TeamPlan): void {
  for (const text of plan.expectText) expect(haystack, `${plan.label}: ${text}`).toContain(text);
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The server keys of whoever runs the tests must not reach the fakes (nor count as configured).
    const { OPENAI_API_KEY: _o, OPENAI_BASE_URL: _b, ANTHROPIC_API_KEY: _a, ANTHROPIC_BASE_URL: _ab, TOOLS_DIR: _t, ...rest } = process.env;
    const child = spawn(process.execPath, [bundle, ...args], { env: { ...rest, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`teamstream ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}
