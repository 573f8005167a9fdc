/**
 * The grown-up playground (issue 18) in headless Chromium, against the real app with
 * AUTH_TYPE=jwt: so every scenario also proves that the page's REST calls and run sockets carry
 * the signed-in user's token. Each scenario saves a screenshot to test-artifacts/browser/ and
 * ends with no console error (except the 401s a scenario provokes on purpose). Every wait has a
 * timeout.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { bearer, JWT_ENV, tokenFor } from '../support/auth.js';
import { teamFixture } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { chromiumInstalled, CHROMIUM_PATH, launchBrowser, type Browser, type WatchedPage } from './browser.js';

const RUN_TIMEOUT = 20_000;
const ALICE = tokenFor('alice');

describe.skipIf(!chromiumInstalled())('the grown-up playground in Chromium (AUTH_TYPE=jwt)', () => {
  let t: TestApp;
  let browser: Browser;
  let model: ChatCompletionsServer;
  let watched: WatchedPage | undefined;
  /** Console errors a scenario expects (the browser logs every refused request). */
  let allowedErrors: RegExp | null = null;

  beforeAll(async () => {
    await buildWeb({ minify: false });
    [t, browser, model] = await Promise.all([startTestApp({ env: JWT_ENV }), launchBrowser(), startChatCompletionsServer()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await model?.close();
    await t?.close();
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await watched?.screenshot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
    const errors = (watched?.errors ?? []).filter((e) => !allowedErrors?.test(e));
    allowedErrors = null;
    await watched?.page.close();
    watched = undefined;
    expect(errors).toEqual([]);
  });

  /** A new tab signed in as alice through `?token=` (the token then lives in session storage). */
  async function signedIn(options: { phone?: boolean; hash?: string } = {}): Promise<WatchedPage> {
    watched = await browser.newPage(options);
    await watched.page.goto(`${t.baseUrl}/?token=${encodeURIComponent(ALICE)}${options.hash ?? ''}`);
    await watched.page.locator('#team-select:not([disabled])').waitFor();
    return watched;
  }

  const lastRun = (w: WatchedPage) => w.page.locator('.run').last();
  const waitStatus = (w: WatchedPage, status: string) =>
    lastRun(w).locator(`.status-badge[data-status="${status}"]`).waitFor({ timeout: RUN_TIMEOUT });

  it('signs in with ?token= once (then out of the address), runs a team over a token-carrying socket, signs out', async () => {
    watched = await browser.newPage();
    const w = watched;
    // Without a token the page asks for one and shows nothing else.
    await w.page.goto(`${t.baseUrl}/`);
    await w.page.locator('#signin').waitFor();
    await expect(w.page.locator('#view-playground').isVisible()).resolves.toBe(false);
    await w.screenshot('signin');

    await w.page.goto(`${t.baseUrl}/?token=${encodeURIComponent(ALICE)}`);
    await w.page.locator('#team-select:not([disabled])').waitFor();
    expect(new URL(w.page.url()).search).toBe(''); // the token left the address at once
    await expect(w.page.evaluate(() => sessionStorage.getItem('teamstream.token'))).resolves.toBe(ALICE);
    await w.page.locator('#who-name', { hasText: 'Signed in as alice (alice@example.com)' }).waitFor();

    await w.page.selectOption('#team-select', { label: 'Weather chat' });
    await w.page.fill('#task', 'What is the weather in Paris?');
    await w.page.press('#task', 'Enter');
    await waitStatus(w, 'complete');
    expect(w.sockets.length).toBeGreaterThanOrEqual(1);
    for (const url of w.sockets) expect(new URL(url).searchParams.get('token')).toBe(ALICE);
    // The session was made as alice: the server lists it for her token only.
    const mine = await t.http.get('/api/sessions/').set(bearer(ALICE)).expect(200);
    expect(mine.body.data.map((s: { name: string }) => s.name)).toContain('What is the weather in Paris?');
    const bobs = await t.http
      .get('/api/sessions/')
      .set(bearer(tokenFor('bob')))
      .expect(200);
    expect(bobs.body.data).toEqual([]);
    await w.screenshot('signed-in-run');

    await w.page.click('#sign-out');
    await w.page.locator('#signin').waitFor();
    await expect(w.page.evaluate(() => sessionStorage.getItem('teamstream.token'))).resolves.toBeNull();

    // A pasted token: a refused one says why, a good one signs in.
    await w.page.fill('#token-input', tokenFor('alice', { exp: Math.floor(Date.now() / 1000) - 60 }));
    await w.page.click('#signin-form button[type="submit"]');
    await w.page.locator('#signin-reason', { hasText: /^That token was refused: / }).waitFor();
    await w.page.fill('#token-input', ALICE);
    await w.page.click('#signin-form button[type="submit"]');
    await w.page.locator('#team-select:not([disabled])').waitFor();
    await w.page.locator('#who-name', { hasText: 'alice' }).waitFor();
    allowedErrors = /401/;
  });

  it('goes back to sign-in when the server refuses the token mid-session (401)', async () => {
    const w = await signedIn();
    await w.page.evaluate((bad) => sessionStorage.setItem('teamstream.token', bad), tokenFor('alice', { exp: Math.floor(Date.now() / 1000) - 60 }));
    await w.page.click('#new-session');
    await w.page.locator('#signin').waitFor();
    await w.page.locator('#signin-reason', { hasText: /^Please sign in again: / }).waitFor();
    await expect(w.page.evaluate(() => sessionStorage.getItem('teamstream.token'))).resolves.toBeNull();
    await w.screenshot('signin-after-401');
    allowedErrors = /401/;
  });

  it('goes back to sign-in when the run socket is refused with 4001 (the token expired while the socket was down)', async () => {
    // A slow run (60 words, 100 ms apart, from the fake Chat Completions server) saved for alice.
    const team = structuredClone(teamFixture('openai-assistant')) as Record<string, any>;
    team.label = 'Slow assistant (4001)';
    team.config.participants[0].config.model_client.config.base_url = model.baseUrl;
    team.config.participants[0].config.workbench = [];
    await t.http.post('/api/teams/').set(bearer(ALICE)).send({ component: team }).expect(200);
    model.push({ type: 'text', text: [...Array.from({ length: 60 }, (_, i) => `word${i}`), 'TERMINATE'].join(' '), delayMs: 100 });

    const w = await signedIn();
    const expired = tokenFor('alice', { exp: Math.floor(Date.now() / 1000) - 60 });
    // Every run socket goes through to the real server; the first one is cut from the page's side
    // once the run streams, after the tab's token was swapped for an expired one. The page
    // reconnects with that token, and the real socket gate refuses it with 4001.
    let sockets = 0;
    await w.page.routeWebSocket(/\/api\/ws\/runs\//, (ws) => {
      const first = ++sockets === 1;
      const server = ws.connectToServer();
      server.onMessage((message) => {
        ws.send(message);
        if (first && String(message).includes('"message_chunk"') && sockets === 1) {
          sockets++; // cut once
          void w.page
            .evaluate((bad) => sessionStorage.setItem('teamstream.token', bad), expired)
            .then(() => ws.close({ code: 1011, reason: 'cut by the test' }));
        }
      });
      server.onClose((code, reason) => ws.close({ code, reason }));
    });
    await w.page.selectOption('#team-select', { label: 'Slow assistant (4001)' });
    await w.page.fill('#task', 'Count slowly.');
    await w.page.press('#task', 'Enter');
    await w.page.locator('#signin').waitFor({ timeout: RUN_TIMEOUT });
    await w.page.locator('#signin-reason', { hasText: /^Please sign in again: Unauthorized/ }).waitFor();
    await expect(w.page.evaluate(() => sessionStorage.getItem('teamstream.token'))).resolves.toBeNull();
    // It was the reconnect, with the expired token, that was refused.
    expect(w.sockets.map((url) => new URL(url).searchParams.get('token'))).toEqual([ALICE, expired]);
    allowedErrors = /WebSocket|401/;
  });

  /** Replaces the CodeMirror editor's text as a paste would. */
  async function setEditorText(w: WatchedPage, text: string): Promise<void> {
    await w.page.click('#team-json .cm-content');
    await w.page.keyboard.press('ControlOrMeta+a');
    await w.page.keyboard.insertText(text);
  }

  const teamLabels = async (token = ALICE) =>
    (await t.http.get('/api/teams/').set(bearer(token)).expect(200)).body.data.map((r: { component: { label: string } }) => r.component.label);

  it('team editor: highlighted JSON, validation errors at their path as you type, save refused then done, test, duplicate, delete', async () => {
    const w = await signedIn();
    await w.page.click('.view-tab[data-view="teams"]');
    await w.page.click('#team-new');
    await w.page.locator('#team-editor-title', { hasText: 'New team (not saved yet)' }).waitFor();
    await w.page.locator('#team-state', { hasText: 'Valid team.' }).waitFor();
    // CodeMirror's JSON highlighting: property names and strings are styled tokens.
    await expect(w.page.locator('#team-json .cm-content span').count()).resolves.toBeGreaterThan(5);

    // Two participants with one name: AgentChat refuses duplicate names; the error names the second.
    // "New team" starts from the gallery's first team.
    const galleries = await t.http.get('/api/gallery/').set(bearer(ALICE)).expect(200);
    const team = structuredClone(galleries.body.data[0].config.components.teams[0]);
    team.label = 'Two of a kind';
    team.config.participants = [team.config.participants[0], structuredClone(team.config.participants[0])];
    await setEditorText(w, JSON.stringify(team, null, 2));
    const error = w.page.locator('#team-issues li.error');
    await error.waitFor({ timeout: RUN_TIMEOUT });
    await expect(error.getAttribute('data-field')).resolves.toBe('config.participants[1].config.name');
    // Marked in the text at that path (the second participant's name value); "Show" scrolls to it.
    await error.getByRole('button', { name: 'Show' }).click();
    const marked = w.page.locator('#team-json .cm-lintRange-error');
    await expect(marked.first().textContent()).resolves.toBe(JSON.stringify(team.config.participants[1].config.name));
    await w.screenshot('team-editor-error');
    await w.page.click('#team-save');
    await w.page.locator('#team-state', { hasText: 'Not saved: fix the errors' }).waitFor();
    expect(await teamLabels()).not.toContain('Two of a kind');

    // Not JSON at all: refused as well, with the parser's reason.
    await setEditorText(w, '{"provider": ');
    await w.page.locator('#team-issues li.error', { hasText: 'Not valid JSON' }).waitFor();

    team.config.participants = [team.config.participants[0]];
    team.label = 'Edited in the browser';
    await setEditorText(w, JSON.stringify(team, null, 2));
    await w.page.locator('#team-state', { hasText: 'Valid team.' }).waitFor({ timeout: RUN_TIMEOUT });
    await w.page.click('#team-save');
    await w.page.locator('#team-state', { hasText: /^Saved as team #\d+\.$/ }).waitFor();
    expect(await teamLabels()).toContain('Edited in the browser');
    await w.page.locator('#team-select optgroup[label="Your teams"] option', { hasText: 'Edited in the browser' }).waitFor({ state: 'attached' });

    await w.page.click('#team-test');
    await w.page.locator('#team-test-output', { hasText: /^Test passed: / }).waitFor({ timeout: 60_000 });

    await w.page.click('#team-duplicate');
    await w.page.locator('#team-state', { hasText: /^Valid team\.$/ }).waitFor({ timeout: RUN_TIMEOUT });
    await w.page.click('#team-save');
    await w.page.locator('#team-state', { hasText: /^Saved as team/ }).waitFor();
    expect(await teamLabels()).toEqual(expect.arrayContaining(['Edited in the browser', 'Edited in the browser (copy)']));
    await w.screenshot('team-editor-saved');

    w.page.once('dialog', (dialog) => void dialog.accept());
    await w.page.click('#team-delete');
    await w.page.locator('#team-state', { hasText: 'Deleted "Edited in the browser (copy)".' }).waitFor();
    expect(await teamLabels()).not.toContain('Edited in the browser (copy)');
    await w.page.locator('#team-select option', { hasText: 'Edited in the browser (copy)' }).waitFor({ state: 'detached' });
  });

  it('the new views read on a phone-sized screen (no sideways scrolling)', async () => {
    const w = await signedIn({ phone: true });
    for (const view of ['teams', 'gallery', 'settings']) {
      await w.page.click(`.view-tab[data-view="${view}"]`);
      await w.page.locator(`#view-${view} h2`).waitFor();
      await w.page.locator(`#view-${view} :is(.item-list li, .env-row)`).first().waitFor();
      const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, view).toBeLessThanOrEqual(0);
    }
    await w.screenshot('views-phone');
  });

  it('gallery: browses each component, "Use this team" copies it to my teams, imports an AGS gallery file', async () => {
    const w = await signedIn();
    await w.page.click('.view-tab[data-view="gallery"]');
    const teams = w.page.locator('#gallery-detail .gallery-kind[data-kind="teams"] .card');
    await teams.first().waitFor();
    const served = await t.http.get('/api/gallery/').set(bearer(ALICE)).expect(200);
    const components = served.body.data[0].config.components;
    await expect(teams.count()).resolves.toBe(components.teams.length);
    // Every kind the gallery holds is listed, each component with its JSON.
    for (const kind of ['agents', 'models', 'tools', 'terminations'])
      await expect(w.page.locator(`#gallery-detail .gallery-kind[data-kind="${kind}"] .card`).count()).resolves.toBe(components[kind].length);
    const customer = w.page.locator('#gallery-detail .card[data-label="Customer support"]');
    await customer.locator('summary').click();
    await expect(customer.locator('pre').textContent()).resolves.toContain('autogen_agentchat.teams.Swarm');

    await customer.getByRole('button', { name: 'Use this team' }).click();
    await w.page.locator('#gallery-notice', { hasText: '"Customer support" is now among your teams' }).waitFor();
    expect(await teamLabels()).toContain('Customer support');
    await w.page.locator('#team-select optgroup[label="Your teams"] option', { hasText: 'Customer support' }).waitFor({ state: 'attached' });

    // AGS's own default gallery file, imported as it is.
    await w.page.setInputFiles('#gallery-file', fileURLToPath(new URL('../fixtures/ags-default-gallery.json', import.meta.url)));
    await w.page.locator('#gallery-notice', { hasText: 'Imported "Default Component Gallery" from ags-default-gallery.json.' }).waitFor();
    await expect(w.page.locator('#gallery-detail h3').textContent()).resolves.toBe('Default Component Gallery');
    const imported = (await t.http.get('/api/gallery/').set(bearer(ALICE)).expect(200)).body.data;
    expect(imported.map((g: { config: { name: string } }) => g.config.name)).toContain('Default Component Gallery');
    await w.page.locator('#gallery-detail .gallery-kind[data-kind="teams"] .card').first().waitFor();
    await w.screenshot('gallery');
  });

  it('timeline: replays a past run step by step from its log (hand-offs, tool calls, times, tokens) with a scrubber and the flow', async () => {
    const w = await signedIn();
    await w.page.selectOption('#team-select', { label: 'Customer support' });
    await w.page.fill('#task', 'I want to buy a rocket-powered unicycle.');
    await w.page.press('#task', 'Enter');
    await waitStatus(w, 'complete');
    const runId = Number(await lastRun(w).getAttribute('data-run-id'));
    await lastRun(w)
      .getByRole('button', { name: `Replay run #${runId} step by step` })
      .click();

    const steps = w.page.locator('#timeline-steps .step');
    await steps.first().waitFor();
    await expect(w.page.locator('#timeline-heading').textContent()).resolves.toBe(`Run #${runId} timeline`);
    const kinds = await steps.evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.kind));
    // The swarm's run as AgentChat streams it: the task, tool calls and results, hand-offs, the end.
    expect(kinds[0]).toBe('message');
    expect(kinds.filter((k) => k === 'handoff')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'tool_call')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'tool_result')).toHaveLength(3);
    expect(kinds.at(-1)).toBe('end');
    await expect(steps.filter({ hasText: 'triage_agent · hand-off' }).textContent()).resolves.toContain('Hand-off to sales_agent');
    await expect(steps.filter({ hasText: 'sales_agent · tool call' }).first().textContent()).resolves.toContain('execute_order(');
    // Each step has its time since the run began and since the step before; model turns their tokens.
    await expect(steps.first().locator('.step-facts').textContent()).resolves.toBe('+0.0 s');
    await expect(steps.filter({ hasText: 'tool call' }).first().locator('.step-facts').textContent()).resolves.toMatch(/^\+[\d.]+ s · \d+ tokens$/);
    await expect(w.page.locator('#timeline-summary').textContent()).resolves.toMatch(
      /^\d+ steps · [\d.]+ s · \d+ tokens \(\d+ prompt, \d+ completion\)/,
    );
    // No usage carried a cost (the fake model has no price): none is shown.
    await expect(w.page.locator('#timeline-summary').textContent()).resolves.not.toContain('cost');
    const flow = w.page.locator('#view-timeline .flow-graph');
    await expect(flow.getAttribute('aria-description')).resolves.toContain('triage_agent → sales_agent (hand-off ×1)');

    // The scrubber: back to step 2, only two steps shown and the flow has no hand-off yet.
    await w.page.locator('#timeline-scrubber').fill('2');
    await expect(w.page.locator('#timeline-steps .step:not(.future)').count()).resolves.toBe(2);
    await expect(w.page.locator('#timeline-position').textContent()).resolves.toMatch(/^Step 2 of \d+/);
    await expect(flow.getAttribute('aria-description')).resolves.not.toContain('hand-off');
    await w.screenshot('timeline-scrubbed');
    // Play replays from there to the end, at the pace of the log's timestamps.
    await w.page.click('#timeline-play');
    await w.page.waitForFunction(
      () => {
        const range = document.querySelector<HTMLInputElement>('#timeline-scrubber')!;
        return range.value === range.max;
      },
      null,
      { timeout: RUN_TIMEOUT },
    );
    await expect(w.page.locator('#timeline-play').textContent()).resolves.toBe('Play');
    await expect(w.page.locator('#timeline-steps .step.future').count()).resolves.toBe(0);
    await w.screenshot('timeline');
    await w.page.click('#timeline-back');
    await w.page.locator('#view-playground').waitFor();
  });

  it("timeline: an input wait is a step; the run's flow graph grows live in the playground", async () => {
    const w = await signedIn();
    await w.page.selectOption('#team-select', { label: 'Human in the loop' });
    await w.page.fill('#task', 'Write a short poem about the sea.');
    await w.page.press('#task', 'Enter');
    const form = lastRun(w).locator('form.input-request:not(.closed)');
    await form.waitFor({ timeout: RUN_TIMEOUT });
    const flow = w.page.locator('#flow .flow-graph');
    // Live, before the run is over: the task went to the assistant.
    await expect(flow.getAttribute('aria-description')).resolves.toMatch(/^user → \w+ \(turn ×1\)/);
    await w.page.keyboard.type('APPROVE');
    await w.page.keyboard.press('Enter');
    await waitStatus(w, 'complete');
    await expect(flow.locator('.flow-node').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(flow.getAttribute('aria-description')).resolves.toContain('→ user_proxy (turn ×1)');
    await w.screenshot('flow-live');
    await lastRun(w).locator('button.replay').click();
    const input = w.page.locator('#timeline-steps .step[data-kind="input"]');
    await input.waitFor();
    await expect(input.textContent()).resolves.toContain('user_proxy · input wait');
  });

  it('settings: edits UI flags and environment variables, whose values never reach the page', async () => {
    const before = await t.http.get('/api/settings/').set(bearer(ALICE)).expect(200);
    const seeded = { ...before.body.data.config, environment: [{ name: 'OPENAI_API_KEY', value: 'sk-secret-123', type: 'secret' }] };
    await t.http.put('/api/settings/').set(bearer(ALICE)).send({ config: seeded }).expect(200);

    const w = await signedIn();
    await w.page.click('.view-tab[data-view="settings"]');
    const key = w.page
      .locator('.env-var')
      .filter({ has: w.page.locator('.env-name') })
      .first();
    await key.waitFor();
    await expect(key.locator('.env-name').inputValue()).resolves.toBe('OPENAI_API_KEY');
    await expect(key.locator('.env-value').inputValue()).resolves.toBe('');
    await expect(key.locator('.env-value').getAttribute('placeholder')).resolves.toBe('set, hidden (type to replace)');
    expect(await w.page.content()).not.toContain('sk-secret-123');

    await w.page.getByLabel('Show LLM call events in run timelines').check();
    await w.page.fill('input[name="human_input_timeout_minutes"]', '5');
    await w.page.click('#env-add');
    await w.page.locator('.env-var .env-name').last().fill('MY_VAR');
    await w.page.locator('.env-var .env-value').last().fill('hello');
    await w.screenshot('settings');
    await w.page.click('#settings-save');
    await w.page.locator('#settings-notice', { hasText: 'Settings saved.' }).waitFor();

    const after = (await t.http.get('/api/settings/').set(bearer(ALICE)).expect(200)).body.data.config;
    expect(after.ui).toMatchObject({ show_llm_call_events: true, human_input_timeout_minutes: 5 });
    // Both values stored (a stored value reads back as the marker; an emptied one would read "").
    expect(after.environment).toEqual([
      { name: 'OPENAI_API_KEY', value: '********', type: 'secret' },
      { name: 'MY_VAR', value: '********' },
    ]);
  });

  it('timeline: cost per step and in total for a priced model; LLM call events (logged with the setting on) shown only with it on', async () => {
    // A real run: an OpenAI-compatible server (the fake) answering as gpt-4o-mini, which the
    // built-in price table knows ($0.15 / $0.60 per million tokens), with the user's
    // show_llm_call_events on at the run's start, so the engine logs AGS's LLMCallEventMessage
    // (source `llm_call_event`, content AgentChat's LLMCallEvent as JSON) before each model turn.
    const setLlmEvents = async (on: boolean) => {
      const current = (await t.http.get('/api/settings/').set(bearer(ALICE)).expect(200)).body.data.config;
      await t.http
        .put('/api/settings/')
        .set(bearer(ALICE))
        .send({ config: { ...current, ui: { ...current.ui, show_llm_call_events: on } } })
        .expect(200);
    };
    const team = structuredClone(teamFixture('openai-assistant')) as Record<string, any>;
    team.label = 'Priced assistant (cost)';
    const agent = team.config.participants[0].config;
    agent.model_client.config.base_url = model.baseUrl;
    agent.model_client.config.model = 'gpt-4o-mini';
    agent.workbench = [];
    await t.http.post('/api/teams/').set(bearer(ALICE)).send({ component: team }).expect(200);
    model.push(
      { type: 'text', text: 'Working on it.', usage: { prompt_tokens: 1000, completion_tokens: 500 } },
      { type: 'text', text: 'All done. TERMINATE', usage: { prompt_tokens: 2000, completion_tokens: 1000 } },
    );
    await setLlmEvents(true);

    const w = await signedIn();
    await w.page.selectOption('#team-select', { label: 'Priced assistant (cost)' });
    await w.page.fill('#task', 'Say done');
    await w.page.press('#task', 'Enter');
    await waitStatus(w, 'complete');
    // The live transcript shows the agents' messages only: LLM call events belong to the timeline.
    await expect(w.page.locator('#transcript').textContent()).resolves.not.toMatch(/llm_call_event|LLMCallEventMessage/);

    await lastRun(w).locator('button.replay').click();
    const summary = w.page.locator('#timeline-summary');
    const steps = w.page.locator('#timeline-steps .step');
    await summary.filter({ hasText: 'cost' }).waitFor();
    // Two model turns: 1000 × 0.15e-6 + 500 × 0.6e-6 = $0.00045 and 2000 × 0.15e-6 + 1000 × 0.6e-6 = $0.0009.
    const turns = steps.filter({ hasText: 'assistant_agent · spoke' });
    await expect(
      turns.evaluateAll((items) => items.map((i) => i.querySelector('.step-facts')!.textContent!.replace(/^\+[\d.]+ s · /, ''))),
    ).resolves.toEqual(['1500 tokens · $0.00045', '3000 tokens · $0.0009']);
    // The LLM calls repeat their turns' tokens and carry no cost: the totals count each turn once.
    const llm = w.page.locator('#timeline-steps .step[data-kind="llm_call"]');
    await expect(llm.count()).resolves.toBe(2);
    await expect(llm.first().textContent()).resolves.toContain('assistant_agent · LLM call');
    await expect(llm.first().textContent()).resolves.toContain('Answered: Working on it.');
    await expect(llm.first().locator('.step-facts').textContent()).resolves.toMatch(/ · 1500 tokens$/);
    await expect(summary.textContent()).resolves.toContain('4500 tokens (3000 prompt, 1500 completion)');
    await expect(summary.textContent()).resolves.toContain('cost $0.00135');
    await expect(summary.textContent()).resolves.not.toContain('hidden');
    await w.screenshot('timeline-cost-llm-calls');

    // With the setting off the logged events are hidden, and said so.
    await setLlmEvents(false);
    await w.page.click('#timeline-back');
    await lastRun(w).locator('button.replay').click();
    await summary.filter({ hasText: 'hidden' }).waitFor();
    await expect(summary.textContent()).resolves.toContain('2 LLM call events hidden');
    await expect(summary.textContent()).resolves.toContain('cost $0.00135');
    await expect(llm.count()).resolves.toBe(0);
  });
});

if (!chromiumInstalled()) console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM_PATH}`);
