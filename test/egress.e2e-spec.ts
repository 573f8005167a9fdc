/**
 * Outbound requests made for a client's team config (security issue, parts 1 and 2), through the
 * real app: the server's key never goes to a base_url the client chose, a stored key never
 * follows an edited endpoint, loopback is refused unless EGRESS_ALLOW says so, an upstream's
 * error page is never echoed, and an MCP stdio config may only pick a pinned server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatCompletionsServer, startChatCompletionsServer } from './fakes/chat-completions-server.js';
import { openRun } from './support/runs.js';
import { RunViewer } from './support/run-viewer.js';
import { openAiTeam } from './support/teams.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Json = Record<string, any>;
const SERVER_KEY = 'sk-server-own-key-123';
const USER_KEY = 'sk-alice-stored-456';

const modelConfig = (team: Json): Json => team.config.participants[0].config.model_client.config;

/** openAiTeam without the fixture's api_key: the config relies on the server's key. */
function keylessTeam(baseUrl: string): Json {
  const team = openAiTeam(baseUrl, { maxRetries: 0 });
  delete modelConfig(team).api_key;
  return team;
}

let fakes: ChatCompletionsServer[] = [];
let pages: Server[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await Promise.all(pages.map((p) => new Promise((done) => p.close(done))));
  fakes = [];
  pages = [];
});

async function model(text = 'Done. TERMINATE'): Promise<ChatCompletionsServer> {
  const fake = await startChatCompletionsServer([{ type: 'text', text }]);
  fakes.push(fake);
  return fake;
}

/** An internal web service that answers every request with its HTML 404 page. */
async function internalPage(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><body><h1>Not Found</h1><p>intranet-wiki.corp build 4.2 — admin at /admin</p></body></html>');
  });
  pages.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

describe('egress of team configs', () => {
  let t: TestApp;
  beforeAll(async () => {
    // EGRESS_ALLOW=127.0.0.1 comes from startTestApp; OPENAI_BASE_URL is unset: the key belongs to api.openai.com.
    t = await startTestApp({ env: { OPENAI_API_KEY: SERVER_KEY } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not send the server key to a base_url the client chose', async () => {
    const fake = await model();
    const team = keylessTeam(fake.baseUrl);
    const { viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });

    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(fake.requests[0]!.headers)).not.toContain(SERVER_KEY);
  });

  it('does not send a stored key to a new base_url sent with the redacted team', async () => {
    const original = await model();
    const attacker = await model();
    const stored = openAiTeam(original.baseUrl, { maxRetries: 0 });
    modelConfig(stored).api_key = USER_KEY;
    const created = await t.http.post('/api/teams/').send({ component: stored }).expect(200);
    const redacted = created.body.data.component as Json;
    const session = await t.http.post('/api/sessions/').send({ team_id: created.body.data.id, name: 's' }).expect(200);
    const run = await t.http.post('/api/runs/').send({ session_id: session.body.data.id }).expect(200);

    modelConfig(redacted).base_url = attacker.baseUrl;
    const viewer = await RunViewer.open(t.baseUrl, run.body.data.run_id);
    viewer.send({ type: 'start', task: 'Hi', team_config: redacted });
    await viewer.terminal();
    await viewer.close();

    expect(original.requests).toHaveLength(0);
    expect(attacker.requests.map((r) => r.headers.authorization ?? '')).not.toContain(`Bearer ${USER_KEY}`);
    expect(JSON.stringify(attacker.requests.map((r) => r.headers))).not.toContain(USER_KEY);
  });

  it('drops a stored key when a save changes its base_url', async () => {
    const stored = openAiTeam('https://models.example/v1');
    modelConfig(stored).api_key = USER_KEY;
    const created = await t.http.post('/api/teams/').send({ component: stored }).expect(200);
    const edited = created.body.data.component as Json;
    modelConfig(edited).base_url = 'https://elsewhere.example/v1';
    const saved = await t.http.post('/api/teams/').send({ id: created.body.data.id, component: edited }).expect(200);

    expect(modelConfig(saved.body.data.component).api_key).toBeUndefined();
  });

  it('never echoes an upstream error page, in the run nor in /api/validate/test', async () => {
    const url = await internalPage();
    const team = openAiTeam(url, { maxRetries: 0 });
    const { viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = await viewer.terminal();
    await viewer.close();
    const text = JSON.stringify(end);
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(text).toContain('HTTP 404');
    expect(text).not.toMatch(/intranet|DOCTYPE|<h1>|admin/);

    const tested = await t.http.post('/api/validate/test').send({ component: team, timeout: 10 }).expect(200);
    expect(tested.body.status).toBe(false);
    expect(tested.body.message).toContain('HTTP 404');
    expect(JSON.stringify(tested.body)).not.toMatch(/intranet|DOCTYPE|<h1>|admin/);
  });
});

describe('malformed answers from a model server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { EGRESS_MAX_RESPONSE_BYTES: '65536' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A model server that answers every request with 200, `contentType` and `body`. */
  async function answering(contentType: string, body: string): Promise<string> {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    });
    pages.push(server);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async function runEnd(url: string): Promise<Json> {
    const team = openAiTeam(url, { maxRetries: 0 });
    const { viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = (await viewer.terminal()) as Json;
    await viewer.close();
    return end;
  }

  it('ends the run with a clear model error for a malformed stream, never the JS error text', async () => {
    const end = await runEnd(await answering('text/event-stream', 'data: {"id":"c1","object":"chat.completion.chunk"}\n\ndata: [DONE]\n\n'));
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(JSON.stringify(end)).toContain('The model server sent a malformed stream');
    expect(JSON.stringify(end)).not.toMatch(/iterable|Cannot read properties/);
  });

  it('ends the run when the answer is larger than EGRESS_MAX_RESPONSE_BYTES, naming the limit', async () => {
    const chunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(1000) } }] })}\n\n`;
    const end = await runEnd(await answering('text/event-stream', chunk.repeat(200)));
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(end.data.task_result.stop_reason).toContain('larger than 65536 bytes (EGRESS_MAX_RESPONSE_BYTES)');
  });

  it('ends the run with an error, not complete and empty, when a streaming request gets a 200 HTML page', async () => {
    const end = await runEnd(await answering('text/html', '<html><body>Welcome to nginx!</body></html>'));
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(JSON.stringify(end)).toContain("The model server's answer had no completion");
    expect(JSON.stringify(end)).not.toMatch(/nginx/);
  });
});

describe('egress without EGRESS_ALLOW', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { EGRESS_ALLOW: '' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a loopback base_url: validation names it and a run reaches nothing', async () => {
    const fake = await model();
    const team = openAiTeam(fake.baseUrl);
    const validated = await t.http.post('/api/validate/').send({ component: team }).expect(200);
    expect(validated.body.is_valid).toBe(false);
    expect(validated.body.errors[0]).toMatchObject({
      field: 'config.participants[0].config.model_client.config.base_url',
      error: expect.stringMatching(/Refused by the egress policy: 127\.0\.0\.1 is a loopback address; the operator can allow it in EGRESS_ALLOW/),
    });

    const { viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = await viewer.terminal();
    await viewer.close();
    expect(JSON.stringify(end)).toMatch(/egress policy/);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses the cloud metadata address', async () => {
    const res = await t.http
      .post('/api/validate/')
      .send({ component: openAiTeam('http://169.254.169.254/latest/v1') })
      .expect(200);
    expect(res.body.errors[0].error).toMatch(/link-local address/);
  });
});

describe('pinned MCP stdio servers', () => {
  let t: TestApp;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'egress-e2e-')), 'mcp-servers.json');
    writeFileSync(file, JSON.stringify([{ name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@2025.1.1'] }]));
    t = await startTestApp({ env: { MCP_SERVERS_FILE: file } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const withMcp = (serverParams: Json): Json => {
    const team = openAiTeam('https://models.example/v1');
    team.config.participants[0].config.workbench = [{ provider: 'autogen_ext.tools.mcp.McpWorkbench', config: { server_params: serverParams } }];
    return team;
  };
  const field = 'config.participants[0].config.workbench[0].config.server_params';

  it('accepts the pinned server, refuses npx -c and a loading env key', async () => {
    const pinned = { type: 'StdioServerParams', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@2025.1.1'] };
    expect(
      (
        await t.http
          .post('/api/validate/')
          .send({ component: withMcp(pinned) })
          .expect(200)
      ).body.is_valid,
    ).toBe(true);

    const shell = await t.http
      .post('/api/validate/')
      .send({ component: withMcp({ ...pinned, args: ['-c', 'id > /tmp/pwned'] }) })
      .expect(200);
    expect(shell.body.errors[0]).toMatchObject({ field: `${field}.args` });

    const preload = await t.http
      .post('/api/validate/')
      .send({ component: withMcp({ ...pinned, env: { NODE_OPTIONS: '--require /tmp/x.js' } }) })
      .expect(200);
    expect(preload.body.errors[0]).toMatchObject({ field: `${field}.env.NODE_OPTIONS`, error: expect.stringContaining('NODE_OPTIONS') });
  });
});
