/**
 * AGS's gallery team "Web Agent Team (Operator)" (SelectorGroupChat: MultimodalWebSurfer,
 * AssistantAgent, UserProxyAgent) run over a real socket, its three model clients pointed at
 * the local fake Chat Completions server and the surfer's start page at the site (nothing else
 * of the gallery config changed), against a small site on loopback. A scripted model picks the speakers and the surfer's actions; the
 * site's server shows what the browser really did. The egress policy allows only the site and
 * the model server (EGRESS_ALLOW), so the app's own port, another loopback server and
 * 169.254.169.254 are refused. Every run ends with no Chromium process left.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer, type ScriptedReply } from '../fakes/chat-completions-server.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { noBrowserLeft, webSurferBrowsers } from './browser-processes.js';
import { startSite, type Site } from './site.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUN_TIMEOUT = 90_000;
const GALLERY = JSON.parse(readFileSync(new URL('../fixtures/ags-default-gallery.json', import.meta.url), 'utf8')) as {
  components: { teams: Record<string, any>[]; agents: Record<string, any>[] };
};

/**
 * The gallery's Operator team with every model client sent to `baseUrl`, and the surfer's
 * start page (Bing in the gallery) moved to the loopback site: a test must not reach the
 * internet where it has it (CI), and the start page is opened on the surfer's first turn.
 */
function operatorTeam(baseUrl: string, startPage: string): Record<string, any> {
  const team = structuredClone(GALLERY.components.teams.find((t) => t.label === 'Web Agent Team (Operator)')!);
  team.config.model_client.config.base_url = baseUrl;
  for (const p of team.config.participants) if (p.config.model_client) p.config.model_client.config.base_url = baseUrl;
  team.config.participants[0].config.start_page = startPage;
  return team;
}

const say = (text: string): ScriptedReply => ({ type: 'text', text });
const act = (name: string, args: Record<string, unknown>): ScriptedReply => ({
  type: 'tool_calls',
  calls: [{ name, arguments: JSON.stringify({ reasoning: `because ${name}`, ...args }) }],
});

/** The text parts and image URLs of a Chat Completions user message. */
function parts(message: any): { text: string; images: string[] } {
  const content = Array.isArray(message.content) ? message.content : [{ type: 'text', text: message.content }];
  return {
    text: content
      .filter((p: any) => p.type === 'text')
      .map((p: any) => p.text)
      .join('\n'),
    images: content.filter((p: any) => p.type === 'image_url').map((p: any) => p.image_url.url),
  };
}

const messages = (frames: Frame[], source: string) => frames.filter((f) => f.type === 'message' && f.data.source === source).map((f) => f.data);

describe.skipIf(!existsSync(CHROMIUM))('Web Agent Team (Operator) from the AGS gallery', () => {
  let t: TestApp;
  let model: ChatCompletionsServer;
  let site: Site;
  let forbidden: Site;

  beforeAll(async () => {
    forbidden = await startSite(() => ({ body: 'internal' }));
    site = await startSite((path) => {
      if (path === '/long')
        return {
          body: `<!doctype html><title>Long read</title>
            <a href="/docs" onmouseover="fetch('/hovered')">Hover me</a>
            <div style="height:2500px">Chapter one.</div><p>Chapter two: the end.</p>`,
        };
      if (path === '/hovered') return { body: 'ok' };
      if (path === '/start') return { body: '<!doctype html><title>Start</title><p>Start page</p>' };
      if (path === '/') return { body: `<!doctype html><title>Egress handbook</title><h1>Handbook</h1><a href="/docs">Docs</a><p>Welcome.</p>` };
      if (path === '/docs')
        return {
          body: `<!doctype html><title>Docs</title><a href="/">Home</a>
            <form action="/search"><input type="search" name="q" aria-label="Search the docs"><button>Go</button></form>`,
        };
      if (path === '/search?q=egress')
        return {
          body: `<!doctype html><title>Results</title><p>Result: egress is checked for every request.</p>
            <img src="${forbidden.url}/tracker.png" alt="">`,
        };
      return undefined;
    });
    model = await startChatCompletionsServer();
    const modelPort = new URL(model.url).port;
    // web_search opens the operator's search page (WEB_SURFER_SEARCH_URL, given to the engine in its load context); here the loopback site's.
    t = await startTestApp({
      env: { EGRESS_ALLOW: `127.0.0.1:${site.port},127.0.0.1:${modelPort}`, WEB_SURFER_SEARCH_URL: `${site.url}/search?q={query}` },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await model?.close();
    await site?.close();
    await forbidden?.close();
  });

  async function start(task: string): Promise<{ runId: number; viewer: RunViewer }> {
    const team = operatorTeam(model.baseUrl, `${site.url}/start`);
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task, team_config: team });
    return { runId, viewer };
  }

  it('visits, clicks a link, types in a form and answers from the page; the browser did it and the socket shows it', async () => {
    const first = model.requests.length;
    const from = site.paths.length;
    model.push(
      say('websurfer_agent'),
      act('visit_url', { url: `${site.url}/` }),
      say('assistant_agent'),
      say('The handbook is open. Open the docs. keep going'),
      say('websurfer_agent'),
      act('click', { target_id: 0 }),
      say('assistant_agent'),
      say('Search the docs for egress. keep going'),
      say('websurfer_agent'),
      act('input_text', { input_field_id: 1, text_value: 'egress' }),
      say('assistant_agent'),
      say('Ask what the result says. keep going'),
      say('websurfer_agent'),
      act('answer_question', { question: 'What does the result say?' }),
      say('The result says egress is checked for every request.'),
      say('assistant_agent'),
      say('Egress is checked for every request. TERMINATE'),
    );
    const { runId, viewer } = await start('What does the handbook say about egress?');
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'result', status: 'complete', run_id: runId });
    expect(end.data.task_result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    expect(model.remaining).toBe(0);

    // What the browser did, as the site saw it: the page, the link, the form's GET.
    expect(site.paths.slice(from)).toEqual(['/start', '/', '/docs', '/search?q=egress']);
    // The results page's image on another loopback port was refused before any request left.
    expect(forbidden.paths).toEqual([]);

    // The surfer's frames: each action as AgentChat's inner TextMessage, then its reply.
    const surfer = messages(viewer.frames, 'websurfer_agent');
    expect(surfer.map((m) => m.type)).toEqual([
      'TextMessage',
      'MultiModalMessage',
      'TextMessage',
      'MultiModalMessage',
      'TextMessage',
      'MultiModalMessage',
      'TextMessage',
      'TextMessage',
    ]);
    expect(surfer[0].content).toBe(`visit_url( ${JSON.stringify({ reasoning: 'because visit_url', url: `${site.url}/` })} )`);
    const replies = surfer.filter((m) => m.type === 'MultiModalMessage');
    expect(replies[0].content[0]).toMatch(
      new RegExp(`^I typed '${site.url}/' into the browser address bar\\.\\n\\nHere is a screenshot of \\[Egress handbook\\]\\(${site.url}/\\)\\.`),
    );
    expect(replies[0].content[0]).toContain('Welcome.');
    expect(replies[1].content[0]).toMatch(/^I clicked 'Docs'\./);
    expect(replies[1].content[0]).toContain(`[Docs](${site.url}/docs)`);
    expect(replies[2].content[0]).toMatch(/^I typed 'egress' into 'Search the docs'\./);
    expect(replies[2].content[0]).toContain('Result: egress is checked for every request.');
    for (const reply of replies) {
      expect(reply.content).toHaveLength(2);
      expect(reply.content[1].url).toMatch(/^data:image\/png;base64,iVBOR/);
      expect(reply.models_usage).toEqual({ prompt_tokens: 10, completion_tokens: 5 });
    }
    expect(surfer.at(-1)).toMatchObject({ type: 'TextMessage', content: 'The result says egress is checked for every request.' });

    // What the model got: a set-of-marks screenshot with the page state and the tools.
    const visitCall = model.requests[first + 1]!.body as any;
    expect(visitCall.tools.map((tool: any) => tool.function.name)).toEqual([
      'visit_url',
      'web_search',
      'history_back',
      'click',
      'input_text',
      'answer_question',
      'summarize_page',
      'sleep',
      'hover',
    ]);
    expect(visitCall.tool_choice).toBe('auto');
    const clickCall = model.requests[first + 5]!.body as any;
    const prompt = parts(clickCall.messages.at(-1));
    expect(prompt.text).toContain(`[Egress handbook](${site.url}/)`);
    expect(prompt.text).toContain('{"id":0,"name":"Docs","role":"link","tools":["click","hover"]}');
    expect(prompt.text.trimEnd().endsWith('My request follows:')).toBe(true);
    expect(prompt.images).toHaveLength(1);
    expect(prompt.images[0]).toMatch(/^data:image\/png;base64,/);
    // Earlier screenshots are not sent again: only the latest message carries an image.
    expect(clickCall.messages.slice(0, -1).flatMap((m: any) => parts(m).images)).toEqual([]);
    const typeCall = model.requests[first + 9]!.body as any;
    expect(parts(typeCall.messages.at(-1)).text).toContain('{"id":1,"name":"Search the docs","role":"searchbox","tools":["input_text"]}');
    // answer_question reads the page's text with a screenshot.
    const readCall = model.requests[first + 14]!.body as any;
    expect(readCall.messages[0]).toMatchObject({ role: 'system' });
    const read = parts(readCall.messages[1]);
    expect(read.text).toContain("focused on 'What does the result say?'");
    expect(read.text).toContain('Result: egress is checked for every request.');
    expect(read.images).toHaveLength(1);

    await viewer.close();
    await noBrowserLeft();
  }, 120_000);

  it("POST /api/validate/ accepts the gallery's Web Surfer Agent and its team", async () => {
    const agent = GALLERY.components.agents.find((a) => a.label === 'Web Surfer Agent');
    for (const component of [agent, operatorTeam(model.baseUrl, `${site.url}/start`)]) {
      const res = await t.http.post('/api/validate/').send({ component }).expect(200);
      expect(res.body).toEqual({ is_valid: true, errors: [], warnings: [] });
    }
  });

  it('searches with web_search and goes back with history_back', async () => {
    const from = site.paths.length;
    model.push(
      say('websurfer_agent'),
      act('web_search', { query: 'egress' }),
      say('assistant_agent'),
      say('Go back. keep going'),
      say('websurfer_agent'),
      act('history_back', {}),
      say('assistant_agent'),
      say('Done. TERMINATE'),
    );
    const { viewer } = await start('Search for egress');
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'result', status: 'complete' });
    const replies = messages(viewer.frames, 'websurfer_agent').filter((m) => m.type === 'MultiModalMessage');
    expect(replies[0].content[0]).toMatch(
      new RegExp(`^I typed 'egress' into the browser search bar\\.\\n\\nHere is a screenshot of \\[Results\\]\\(${site.url}/search\\?q=egress\\)`),
    );
    // Back to the start page, where the surfer began.
    expect(replies[1].content[0]).toMatch(
      new RegExp(`^I clicked the browser back button\\.\\n\\nHere is a screenshot of \\[Start\\]\\(${site.url}/start\\)`),
    );
    expect(site.paths.slice(from, from + 2)).toEqual(['/start', '/search?q=egress']);
    await viewer.close();
    await noBrowserLeft();
  }, 120_000);

  it('scrolls with page_down, hovers, and summarizes the page', async () => {
    const first = model.requests.length;
    const from = site.paths.length;
    model.push(
      say('websurfer_agent'),
      act('page_down', {}),
      say('assistant_agent'),
      say('Hover the link. keep going'),
      say('websurfer_agent'),
      act('hover', { target_id: 0 }),
      say('assistant_agent'),
      say('Summarize it. keep going'),
      say('websurfer_agent'),
      act('summarize_page', {}),
      say('A long read in two chapters.'),
      say('assistant_agent'),
      say('Two chapters. TERMINATE'),
    );
    const team = operatorTeam(model.baseUrl, `${site.url}/long`);
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task: 'Read the long page', team_config: team });
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'result', status: 'complete' });

    // At the top of a long page the model may scroll down but not up (as AgentChat offers them).
    const tools = (model.requests[first + 1]!.body as any).tools.map((tool: any) => tool.function.name);
    expect(tools).toContain('page_down');
    expect(tools).not.toContain('page_up');
    const surfer = messages(viewer.frames, 'websurfer_agent');
    const replies = surfer.filter((m) => m.type === 'MultiModalMessage');
    expect(replies[0].content[0]).toMatch(/^I scrolled down one page in the browser\.\n\nHere is a screenshot of \[Long read\]/);
    expect(replies[0].content[0]).toMatch(/The viewport shows \d+% of the page and is (\d+% down from the top|at the bottom) of the page/);
    // After scrolling, page_up is offered and the link is out of view but still listed.
    const hoverTurn = model.requests[first + 5]!.body as any;
    expect(hoverTurn.tools.map((tool: any) => tool.function.name)).toContain('page_up');
    expect(parts(hoverTurn.messages.at(-1)).text).toMatch(/scrolled out of view\):\n\{"id":0,"name":"Hover me"/);
    expect(replies[1].content[0]).toMatch(/^I hovered over 'Hover me'\./);
    // The page's own mouseover handler ran: the site saw its request.
    expect(site.paths.slice(from)).toEqual(['/long', '/hovered']);
    expect(surfer.at(-1)).toMatchObject({ type: 'TextMessage', content: 'A long read in two chapters.' });
    const read = parts((model.requests[first + 10]!.body as any).messages[1]);
    expect(read.text).toContain("We are on the web page 'Long read'.");
    expect(read.text).toContain('Summarize the page in one or two paragraphs:');
    expect(read.text).toContain('Chapter two: the end.');
    await viewer.close();
    await noBrowserLeft();
  }, 120_000);

  it('with use_ocr the page text is the model reading the screenshot; an unknown element id is an error reply', async () => {
    const first = model.requests.length;
    model.push(
      say('websurfer_agent'),
      act('click', { target_id: 99 }),
      say('assistant_agent'),
      say('Open the docs. keep going'),
      say('websurfer_agent'),
      act('visit_url', { url: `${site.url}/docs` }),
      say('Home  Search the docs  Go'),
      say('assistant_agent'),
      say('Read. TERMINATE'),
    );
    const team = operatorTeam(model.baseUrl, `${site.url}/start`);
    team.config.participants[0].config.use_ocr = true;
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task: 'Read the docs page', team_config: team });
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'result', status: 'complete' });
    const surfer = messages(viewer.frames, 'websurfer_agent');
    expect(surfer[1]).toMatchObject({ type: 'TextMessage', content: 'Web surfing error:\n\nthere is no element with id 99 on the page' });
    const reply = surfer.find((m) => m.type === 'MultiModalMessage');
    expect(reply.content[0]).toMatch(/Text read from the screenshot:\n\nHome {2}Search the docs {2}Go$/);
    // The OCR call: the prompt and the new page's screenshot, no tools. Its usage counts in the reply.
    const ocr = model.requests[first + 6]!.body as any;
    expect(ocr.tools).toBeUndefined();
    const asked = parts(ocr.messages[0]);
    expect(asked.text).toMatch(/^Write out all the text visible in this screenshot/);
    expect(asked.images).toHaveLength(1);
    expect(reply.models_usage).toEqual({ prompt_tokens: 20, completion_tokens: 10 });
    await viewer.close();
    await noBrowserLeft();
  }, 120_000);

  it('refuses the app server itself and the metadata address under the egress policy', async () => {
    model.push(
      say('websurfer_agent'),
      act('visit_url', { url: `${t.baseUrl}/api/health` }),
      say('assistant_agent'),
      say('That was refused. Try the metadata address. keep going'),
      say('websurfer_agent'),
      act('visit_url', { url: 'http://169.254.169.254/latest/meta-data/' }),
      say('assistant_agent'),
      say('Both refused. TERMINATE'),
    );
    const { viewer } = await start('Read the internal pages');
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'result', status: 'complete' });
    const replies = messages(viewer.frames, 'websurfer_agent').filter((m) => m.content.startsWith?.('Web surfing error'));
    expect(replies.map((m) => m.content)).toEqual([
      `Web surfing error:\n\nRefused by the egress policy: ${t.baseUrl}/api/health: 127.0.0.1 is a loopback address; the operator can allow it in EGRESS_ALLOW`,
      'Web surfing error:\n\nRefused by the egress policy: http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address; the operator can allow it in EGRESS_ALLOW',
    ]);
    await viewer.close();
    await noBrowserLeft();
  }, 120_000);

  it('a stop closes the browser while the surfer waits for its model', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = model.requests.length;
    model.push(say('websurfer_agent'), { type: 'text', text: 'never', hold: held });
    const { viewer } = await start('Browse slowly');
    // The surfer has its browser open and its model call in flight.
    await model.waitForRequest(first + 1, 60_000);
    expect(webSurferBrowsers().length).toBeGreaterThan(0);
    viewer.send({ type: 'stop', reason: 'Enough browsing' });
    const end = await viewer.terminal(RUN_TIMEOUT);
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
    expect(end.data.task_result.stop_reason).toBe('Enough browsing');
    await expect(model.requests[first + 1]!.outcome).resolves.toBe('closed-early');
    await noBrowserLeft();
    release();
    await viewer.close();
  }, 120_000);
});
