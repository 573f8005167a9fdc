/**
 * AGS's MCP playground and the builder's workbench "tools" tab (AGS `web/routes/mcp.py`,
 * `mcp/wsbridge.py`, `mcp/client.py`): POST /api/mcp/ws/connect, then the socket it names, over
 * which the front-end lists and calls tools, lists and reads resources, lists and gets prompts.
 * Against a real MCP server over stdio (a pinned server, MCP_SERVERS_FILE) and over streamable
 * HTTP, through real HTTP and a real `ws` client. The message shapes asserted are AGS's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { McpSessions } from '../../src/mcp/mcp-sessions.js';
import { rawText } from '../../src/websocket/raw-data.js';
import { type McpHttpServer, startMcpHttpServer } from '../fakes/mcp-server.js';
import { mcpStdioServerScript } from '../fakes/mcp-stdio-script.js';
import { bearer, JWT_ENV, tokenFor } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Message = Record<string, any> & { type: string };
const TIMEOUT_MS = 20_000;

/** A real ws client on an MCP session socket that keeps every message it receives. */
class McpSocket {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(rawText(data)) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string): McpSocket {
    return new McpSocket(new WebSocket(url));
  }

  /** The first message (from the start) that matches, waiting up to TIMEOUT_MS. */
  async next(match: (m: Message) => boolean, what: string): Promise<Message> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${TIMEOUT_MS} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends an AGS operation and awaits its operation_result or operation_error. */
  async operation(operation: string, params: Record<string, unknown> = {}): Promise<Message> {
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ type: 'operation', operation, ...params }));
    return this.next((m) => this.messages.indexOf(m) >= from && m.operation === operation, `${operation} answer`);
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

const wsUrl = (t: TestApp, path: string, token?: string) => `${t.baseUrl.replace('http', 'ws')}${path}${token ? `?token=${token}` : ''}`;

/** Runs AGS's whole playground sequence on a connected session and checks each answer. */
async function exercise(socket: McpSocket): Promise<void> {
  const initialized = await socket.next((m) => m.type === 'initialized', 'initialized');
  expect(initialized.capabilities).toMatchObject({ tools: expect.any(Object), resources: expect.any(Object), prompts: expect.any(Object) });

  const tools = await socket.operation('list_tools');
  expect(tools.type).toBe('operation_result');
  expect(tools.data.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['add', 'echo', 'fail']));
  expect(tools.data.tools.find((t: { name: string }) => t.name === 'add').inputSchema.properties).toHaveProperty('a');

  const call = await socket.operation('call_tool', { tool_name: 'add', arguments: { a: 2, b: 3 } });
  expect(call).toMatchObject({ type: 'operation_result', data: { tool_name: 'add', result: { content: [{ type: 'text', text: '5' }] } } });
  // A tool that fails is a result with isError (MCP's answer), as AGS passes it on.
  const failed = await socket.operation('call_tool', { tool_name: 'fail', arguments: { message: 'boom' } });
  expect(failed.data.result.isError).toBe(true);

  const resources = await socket.operation('list_resources');
  expect(resources.data.resources).toEqual([expect.objectContaining({ uri: 'note://greeting', name: 'greeting', mimeType: 'text/plain' })]);
  const read = await socket.operation('read_resource', { uri: 'note://greeting' });
  expect(read.data.contents[0]).toMatchObject({ uri: 'note://greeting', text: 'Hello from the fake MCP server' });

  const prompts = await socket.operation('list_prompts');
  expect(prompts.data.prompts.map((p: { name: string }) => p.name)).toEqual(['greet']);
  const prompt = await socket.operation('get_prompt', { name: 'greet', arguments: { name: 'Ada' } });
  expect(prompt.data.messages[0]).toMatchObject({ role: 'user', content: { type: 'text', text: 'Please greet Ada.' } });

  // AGS's errors: a missing argument and an unknown operation are operation_errors; ping → pong.
  expect(await socket.operation('call_tool', {})).toMatchObject({ type: 'operation_error', error: 'Tool name is required' });
  expect(await socket.operation('teleport')).toMatchObject({ type: 'operation_error', error: 'Unknown operation: teleport' });
  socket.ws.send(JSON.stringify({ type: 'ping' }));
  await socket.next((m) => m.type === 'pong', 'pong');
  socket.ws.send('not json');
  await socket.next((m) => m.type === 'error' && m.error === 'Invalid message format', 'invalid format error');
}

describe('AGS MCP playground (/api/mcp/ws/*)', () => {
  let t: TestApp;
  let http: McpHttpServer;
  let stdioParams: Record<string, unknown>;

  beforeAll(async () => {
    const script = await mcpStdioServerScript();
    const dir = mkdtempSync(join(tmpdir(), 'mcp-pins-'));
    const file = join(dir, 'servers.json');
    writeFileSync(file, JSON.stringify([{ name: 'fake', command: process.execPath, args: [script] }]));
    stdioParams = { type: 'StdioServerParams', command: process.execPath, args: [script] };
    http = await startMcpHttpServer();
    t = await startTestApp({ env: { ...JWT_ENV, MCP_SERVERS_FILE: file, MCP_MAX_SESSIONS_PER_USER: '3' } });
  });
  afterAll(async () => {
    await t?.close();
    await http?.close();
  });

  async function connect(user: string, serverParams: Record<string, unknown>): Promise<{ session_id: string; websocket_url: string }> {
    const res = await t.http
      .post('/api/mcp/ws/connect')
      .set(bearer(tokenFor(user)))
      .send({ server_params: serverParams })
      .expect(200);
    expect(res.body).toMatchObject({
      status: true,
      message: 'WebSocket connection URL created',
      websocket_url: `/api/mcp/ws/${res.body.session_id}`,
    });
    return res.body;
  }

  it('serves a pinned stdio server: tools, a call, resources and prompts; closing ends the session', async () => {
    const { session_id, websocket_url } = await connect('alice', stdioParams);
    const socket = McpSocket.open(wsUrl(t, websocket_url, tokenFor('alice')));
    await exercise(socket);
    const pid = Number((await socket.operation('call_tool', { tool_name: 'pid' })).data.result.content[0].text);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const status = await t.http
      .get(`/api/mcp/ws/status/${session_id}`)
      .set(bearer(tokenFor('alice')))
      .expect(200);
    expect(status.body).toMatchObject({ status: true, session_id, connected: true, capabilities: { tools: expect.any(Object) } });
    await socket.close();
    // The session is gone once its socket closed (and its stdio process with it).
    await expect.poll(() => t.app.get(McpSessions)['entries'].size, { timeout: TIMEOUT_MS }).toBe(0);
    await t.http
      .get(`/api/mcp/ws/status/${session_id}`)
      .set(bearer(tokenFor('alice')))
      .expect(404);
    await expect
      .poll(
        () => {
          try {
            process.kill(pid, 0);
            return 'running';
          } catch {
            return 'exited';
          }
        },
        { timeout: TIMEOUT_MS },
      )
      .toBe('exited');
  });

  it('serves a streamable HTTP server', async () => {
    const { websocket_url } = await connect('alice', { type: 'StreamableHttpServerParams', url: http.url });
    const socket = McpSocket.open(wsUrl(t, websocket_url, tokenFor('alice')));
    await exercise(socket);
    await socket.close();
  });

  it('refuses a stdio command that is not pinned, naming MCP_SERVERS_FILE, before anything starts', async () => {
    const res = await t.http
      .post('/api/mcp/ws/connect')
      .set(bearer(tokenFor('alice')))
      .send({ server_params: { type: 'StdioServerParams', command: 'sh', args: ['-c', 'id > /tmp/pwned'] } })
      .expect(400);
    expect(res.body.status).toBe(false);
    expect(res.body.message).toMatch(/MCP_SERVERS_FILE|pinned/);
    expect(t.app.get(McpSessions)['entries'].size).toBe(0);
  });

  it('answers bad server_params with a 400 naming the problem (egress policy included)', async () => {
    const post = (body: object) =>
      t.http
        .post('/api/mcp/ws/connect')
        .set(bearer(tokenFor('alice')))
        .send(body)
        .expect(400);
    expect((await post({})).body.message).toMatch(/server_params/);
    expect((await post({ server_params: { type: 'FtpServerParams' } })).body.message).toMatch(/server_params\.type/);
    expect((await post({ server_params: { type: 'StreamableHttpServerParams' } })).body.message).toMatch(/url/);
    const privateUrl = await post({ server_params: { type: 'StreamableHttpServerParams', url: 'http://10.1.2.3/mcp' } });
    expect(privateUrl.body.message).toMatch(/egress policy/);
    expect(t.app.get(McpSessions)['entries'].size).toBe(0);
  });

  it('under jwt: no token is refused at POST (401) and at the socket (4001)', async () => {
    await t.http.post('/api/mcp/ws/connect').send({ server_params: stdioParams }).expect(401);
    const { websocket_url } = await connect('alice', stdioParams);
    const anonymous = McpSocket.open(wsUrl(t, websocket_url));
    expect((await anonymous.closed).code).toBe(4001);
    // The refused attempt did not use up the session: its owner still connects.
    const owner = McpSocket.open(wsUrl(t, websocket_url, tokenFor('alice')));
    await owner.next((m) => m.type === 'initialized', 'initialized');
    await owner.close();
  });

  it("refuses another user's session (4004, as AGS answers an unknown one), and a session used once", async () => {
    const { session_id, websocket_url } = await connect('alice', stdioParams);
    const mallory = McpSocket.open(wsUrl(t, websocket_url, tokenFor('mallory')));
    expect(await mallory.closed).toEqual({ code: 4004, reason: 'Unknown or expired session' });
    await t.http
      .get(`/api/mcp/ws/status/${session_id}`)
      .set(bearer(tokenFor('mallory')))
      .expect(404);

    const owner = McpSocket.open(wsUrl(t, websocket_url, tokenFor('alice')));
    await owner.next((m) => m.type === 'initialized', 'initialized');
    const again = McpSocket.open(wsUrl(t, websocket_url, tokenFor('alice')));
    expect((await again.closed).code).toBe(4004);
    await owner.close();
    // A malformed escape in the path names no session: 4004, not a server error (1011).
    const malformed = McpSocket.open(wsUrl(t, '/api/mcp/ws/%E0', tokenFor('alice')));
    expect(await malformed.closed).toEqual({ code: 4004, reason: 'Unknown or expired session' });
  });

  it('caps the sessions one user holds (MCP_MAX_SESSIONS_PER_USER)', async () => {
    const held = [await connect('bob', stdioParams), await connect('bob', stdioParams), await connect('bob', stdioParams)];
    const over = await t.http
      .post('/api/mcp/ws/connect')
      .set(bearer(tokenFor('bob')))
      .send({ server_params: stdioParams })
      .expect(429);
    expect(over.body.message).toMatch(/MCP_MAX_SESSIONS_PER_USER=3/);
    // Others are not affected; and ending one frees a place.
    await connect('carol', stdioParams);
    await t.app.get(McpSessions).end(held[0]!.session_id);
    await connect('bob', stdioParams);
  });

  it('a server that cannot be reached gets AGS\'s "Connection error" and the socket closes', async () => {
    const { websocket_url } = await connect('dave', { type: 'StreamableHttpServerParams', url: 'http://127.0.0.1:9/mcp' });
    const socket = McpSocket.open(wsUrl(t, websocket_url, tokenFor('dave')));
    const error = await socket.next((m) => m.type === 'error', 'connection error');
    expect(error.error).toMatch(/^Connection error: /);
    expect((await socket.closed).code).toBe(1011);
  });
});

describe('AGS MCP playground with AUTH_TYPE=none', () => {
  let t: TestApp;
  let http: McpHttpServer;
  beforeAll(async () => {
    http = await startMcpHttpServer();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await http?.close();
  });

  it('opens as AGS does: no token on the socket, whatever user_id the POST named', async () => {
    const res = await t.http
      .post('/api/mcp/ws/connect')
      .query({ user_id: 'someone@example.com' })
      .send({ server_params: { type: 'StreamableHttpServerParams', url: http.url } })
      .expect(200);
    const socket = McpSocket.open(wsUrl(t, res.body.websocket_url));
    await socket.next((m) => m.type === 'initialized', 'initialized');
    expect((await socket.operation('list_tools')).data.tools.length).toBeGreaterThan(0);
    await socket.close();
  });
});
