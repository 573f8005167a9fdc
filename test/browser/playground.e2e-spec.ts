/**
 * The playground page in a real browser (issue 7 part 1): headless Chromium against the real app
 * on a fresh database. Each scenario saves a screenshot to test-artifacts/browser/ and ends with
 * no console error. Every wait has a timeout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { chromiumInstalled, CHROMIUM_PATH, launchBrowser, type Browser, type WatchedPage } from './browser.js';

const GUEST = 'guestuser@gmail.com';
const RUN_TIMEOUT = 20_000;

/**
 * 60 words and TERMINATE (which ends the team), one streamed chunk each, 100 ms apart: a run of
 * about 6 s, slow enough to stop or to reload in the middle.
 */
const SLOW_TEXT = [...Array.from({ length: 60 }, (_, i) => `word${i}`), 'TERMINATE'].join(' ');

/** The openai-assistant fixture pointed at the fake Chat Completions server, without tools. */
function slowTeam(baseUrl: string, label: string): Record<string, any> {
  const team = structuredClone(teamFixture('openai-assistant')) as Record<string, any>;
  team.label = label;
  team.config.participants[0].config.model_client.config.base_url = baseUrl;
  team.config.participants[0].config.workbench = [];
  return team;
}

describe.skipIf(!chromiumInstalled())('playground page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let model: ChatCompletionsServer;
  let watched: WatchedPage | undefined;

  beforeAll(async () => {
    await buildWeb({ minify: false });
    [t, browser, model] = await Promise.all([startTestApp(), launchBrowser(), startChatCompletionsServer()]);
    // Two slow teams saved for the guest, so the picker lists them under "Your teams".
    for (const label of ['Slow assistant (stop)', 'Slow assistant (reload)']) {
      await t.http
        .post('/api/teams/')
        .send({ user_id: GUEST, component: slowTeam(model.baseUrl, label) })
        .expect(200);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await model?.close();
    await t?.close();
  });

  afterEach(async (context) => {
    // A failed scenario leaves a picture of the page behind, next to the scenarios' screenshots.
    if (context.task.result?.state === 'fail')
      await watched?.screenshot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
    // No console error in any scenario (a failed fetch, a 404, an uncaught exception…).
    const errors = watched?.errors ?? [];
    await watched?.page.close();
    watched = undefined;
    expect(errors).toEqual([]);
  });

  async function open(options: { phone?: boolean; hash?: string } = {}): Promise<WatchedPage> {
    watched = await browser.newPage(options);
    await watched.page.goto(`${t.baseUrl}/${options.hash ?? ''}`);
    await watched.page.locator('#team-select:not([disabled])').waitFor();
    return watched;
  }

  async function pickTeam(w: WatchedPage, label: string): Promise<void> {
    await w.page.selectOption('#team-select', { label });
  }

  async function sendTask(w: WatchedPage, task: string): Promise<void> {
    await w.page.fill('#task', task);
    await w.page.press('#task', 'Enter');
  }

  const lastRun = (w: WatchedPage) => w.page.locator('.run').last();
  const waitStatus = (w: WatchedPage, status: string) =>
    lastRun(w).locator(`.status-badge[data-status="${status}"]`).waitFor({ timeout: RUN_TIMEOUT });

  it('serves the page at / without shadowing /api', async () => {
    const page = await t.http.get('/').expect(200);
    expect(page.text).toContain('<script type="module" src="app.js">');
    await t.http
      .get('/app.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await t.http.get('/api/version').expect(200);
    await t.http.get('/api/no-such-route').expect(404);
  });

  it('runs the weather team: the agent list, the tool call with its result, the answer, status and usage', async () => {
    const w = await open();
    await pickTeam(w, 'Weather chat');
    await expect(w.page.locator('#agent-list [data-agent="chatbot"]').textContent()).resolves.toContain('weather_forecast');
    await sendTask(w, 'What is the weather in Paris?');
    await waitStatus(w, 'complete');
    // Focus is back in the task box for the next task.
    await expect(w.page.evaluate(() => document.activeElement?.id)).resolves.toBe('task');

    const run = lastRun(w);
    await expect(run.locator('.bubble.human').first().textContent()).resolves.toContain('What is the weather in Paris?');
    const tool = run.locator('details.tool');
    await expect(tool.count()).resolves.toBe(1);
    await expect(tool.locator('summary').textContent()).resolves.toMatch(/chatbot calls weather_forecast · done/);
    await tool.locator('summary').click(); // collapsible: open it to read the result
    await expect(tool.locator('.tool-result').textContent()).resolves.toBe('The weather forecast for Paris is sunny.');
    await expect(tool.locator('pre').first().textContent()).resolves.toContain('"city": "Paris"');
    const answer = run.locator('.bubble[data-source="chatbot"]').last();
    await expect(answer.textContent()).resolves.toContain('The forecast for Paris is sunny');
    await expect(run.locator('.bubble.streaming').count()).resolves.toBe(0);
    const facts = await run.locator('.run-facts').textContent();
    expect(facts).toMatch(/Status: complete · Duration: [\d.]+ s · Usage: \d+ tokens \(\d+ prompt, \d+ completion\)/);
    await expect(run.locator('.stop-reason').textContent()).resolves.toBe("Stop reason: Text 'TERMINATE' mentioned");
    // The new session, named after the task, is the current one in the sidebar.
    await expect(w.page.locator('#session-list .session.current').textContent()).resolves.toContain('What is the weather in Paris?');
    await w.screenshot('weather-run');
  });

  it('reads on a phone-sized screen (no sideways scrolling) and reopens a past run from the log', async () => {
    const sessions = await t.http.get('/api/sessions/').query({ user_id: GUEST }).expect(200);
    const weather = sessions.body.data.find((s: { name: string }) => s.name.startsWith('What is the weather'));
    expect(weather).toBeDefined();

    const w = await open({ phone: true, hash: `#session=${weather.id}` });
    const run = lastRun(w);
    await run.locator('.status-badge[data-status="complete"]').waitFor();
    await expect(run.locator('details.tool summary').textContent()).resolves.toContain('weather_forecast · done');
    await expect(run.locator('.bubble[data-source="chatbot"]').last().textContent()).resolves.toContain('The forecast for Paris is sunny');
    await expect(run.locator('.run-facts').textContent()).resolves.toMatch(/Usage: \d+ tokens/);
    expect(w.sockets).toEqual([]); // a finished run comes from the REST log, no socket needed
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await w.screenshot('reopen-past-run-phone');
  });

  it('answers an input request in place, with a countdown, from the keyboard', async () => {
    const w = await open();
    await pickTeam(w, 'Human in the loop');
    await sendTask(w, 'Write a short poem about the sea.');
    const form = lastRun(w).locator('form.input-request:not(.closed)');
    await form.waitFor({ timeout: RUN_TIMEOUT });
    await expect(form.locator('label').textContent()).resolves.toContain('user_proxy: Enter your response:');
    await expect(form.locator('.countdown').textContent()).resolves.toMatch(/^\d+:\d\d left to answer$/);
    await expect(w.page.evaluate(() => document.activeElement?.classList.contains('input-answer'))).resolves.toBe(true);
    await expect(w.page.locator('#agent-list [data-agent="user_proxy"].active').count()).resolves.toBe(1);
    await w.screenshot('input-request');

    await w.page.keyboard.type('APPROVE');
    await w.page.keyboard.press('Enter');
    await waitStatus(w, 'complete');
    const run = lastRun(w);
    await expect(run.locator('.bubble.human[data-source="user_proxy"]').textContent()).resolves.toContain('APPROVE');
    await expect(run.locator('form.input-request.closed').count()).resolves.toBe(1);
    await expect(run.locator('.stop-reason').textContent()).resolves.toBe("Stop reason: Text 'APPROVE' mentioned");
    await expect(w.page.locator('#agent-list .active').count()).resolves.toBe(0);
    await w.screenshot('input-request-answered');
  });

  it('stops a run with the Stop button: completion cancelled, the run saved as stopped', async () => {
    model.push({ type: 'text', text: SLOW_TEXT, delayMs: 100 });
    const w = await open();
    await pickTeam(w, 'Slow assistant (stop)');
    await sendTask(w, 'Count slowly.');
    const streaming = lastRun(w).locator('.bubble.streaming');
    await streaming.waitFor({ timeout: RUN_TIMEOUT });
    await expect(w.page.locator('#agent-list [data-agent="assistant_agent"].active').count()).resolves.toBe(1);
    await w.page.click('#stop');
    await waitStatus(w, 'stopped');

    const run = lastRun(w);
    await expect(run.locator('.stop-reason').textContent()).resolves.toBe('Stop reason: Stopped from the playground');
    await expect(w.page.locator('#stop').isDisabled()).resolves.toBe(true);
    await expect(w.page.locator('#send').isDisabled()).resolves.toBe(false);
    const runId = Number(await run.getAttribute('data-run-id'));
    const saved = await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(200);
    expect(saved.body.data.status).toBe('stopped');
    await w.screenshot('stopped-run');
  });

  it('reloads mid-run and continues from ?after=<last seq> with no gap and no duplicated text', async () => {
    model.push({ type: 'text', text: SLOW_TEXT, delayMs: 100 });
    const w = await open();
    await pickTeam(w, 'Slow assistant (reload)');
    await sendTask(w, 'Count slowly, again.');
    const text = lastRun(w).locator('.bubble.streaming .bubble-text');
    await w.page.waitForFunction(
      () => (document.querySelector('.run:last-of-type .bubble.streaming .bubble-text')?.textContent ?? '').includes('word10 '),
      null,
      { timeout: RUN_TIMEOUT },
    );
    const before = (await text.textContent()) ?? '';
    expect(SLOW_TEXT.startsWith(before)).toBe(true);

    await w.page.reload();
    await waitStatus(w, 'complete');
    const run = lastRun(w);
    const answer = run.locator('.bubble[data-source="assistant_agent"]');
    await expect(answer.count()).resolves.toBe(1);
    await expect(answer.locator('.bubble-text').textContent()).resolves.toBe(SLOW_TEXT);
    const all = (await run.locator('.run-body').textContent()) ?? '';
    for (const word of ['word0 ', 'word10 ', 'word59 ', 'TERMINATE']) expect(all.split(word).length - 1).toBe(1);
    await expect(run.locator('.bubble.human').count()).resolves.toBe(1); // the task echo, once
    // The page came back to the same run after the seq it had shown, not from the start.
    const resumed = w.sockets.filter((url) => /[?&]after=\d+/.test(url));
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(Number(/after=(\d+)/.exec(resumed[0]!)![1])).toBeGreaterThan(10);
    await expect(w.page.evaluate(() => sessionStorage.getItem('teamstream.liveRun'))).resolves.toBeNull();
    await w.screenshot('reloaded-run');
  });

  it('marks hand-offs and shows every tool call of the customer-support swarm', async () => {
    const w = await open();
    await pickTeam(w, 'Customer support');
    await sendTask(w, 'I want to buy a rocket-powered unicycle.');
    await waitStatus(w, 'complete');
    const run = lastRun(w);
    const handoffs = run.locator('.bubble.handoff .handoff-mark');
    await expect(handoffs.allTextContents()).resolves.toEqual(['⇢ Hand-off to sales_agent', '⇢ Hand-off to user']);
    await expect(run.locator('details.tool summary').allTextContents()).resolves.toEqual([
      'tool triage_agent calls transfer_to_sales_agent · done',
      'tool sales_agent calls execute_order · done',
      'tool sales_agent calls transfer_to_user · done',
    ]);
    await w.screenshot('handoffs');
  });

  it('creates, renames and deletes sessions from the keyboard', async () => {
    const w = await open();
    await w.page.click('#new-session');
    const current = w.page.locator('#session-list .session.current');
    await current.waitFor();
    await current.getByRole('button', { name: /^Rename/ }).click();
    await w.page.locator('.rename-input').fill('Renamed in the browser');
    await w.page.keyboard.press('Enter');
    await w.page.locator('#session-list .session-open', { hasText: 'Renamed in the browser' }).waitFor();
    await w.screenshot('sessions');

    const renamed = w.page.locator('#session-list .session', { hasText: 'Renamed in the browser' });
    await renamed.getByRole('button', { name: /^Delete/ }).click();
    await renamed.getByRole('button', { name: 'Delete', exact: true }).click();
    await w.page.locator('#session-list .session', { hasText: 'Renamed in the browser' }).waitFor({ state: 'detached' });
    const sessions = await t.http.get('/api/sessions/').query({ user_id: GUEST }).expect(200);
    expect(sessions.body.data.map((s: { name: string }) => s.name)).not.toContain('Renamed in the browser');
  });
});

if (!chromiumInstalled()) {
  // Say so loudly rather than pass silently: CI installs chromium (scripts/ensure-chromium.sh).
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM_PATH}`);
}
