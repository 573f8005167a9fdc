/**
 * The MCP playground socket applies the frame checks every socket of this service applies (as the
 * run socket does): nesting within MAX_JSON_DEPTH and no NUL in any key or string, refused with an
 * `error` message before anything reaches the MCP server; and the transport's frame limit is
 * WS_MAX_FRAME_BYTES (a bigger frame closes the socket with 1009, never buffered).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawText } from '../../src/websocket/raw-data.js';
import { type McpHttpServer, startMcpHttpServer } from '../fakes/mcp-server.js';
import { bearer, JWT_ENV, tokenFor } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Message = Record<string, any> & { type: string };
const TIMEOUT_MS = 20_000;

/** A value nested `depth` levels deep (objects inside objects). */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('MCP playground socket frames', () => {
  let t: TestApp;
  let http: McpHttpServer;

  beforeAll(async () => {
    http = await startMcpHttpServer();
    t = await startTestApp({ env: { ...JWT_ENV, WS_MAX_FRAME_BYTES: String(2 * 1024 * 1024) } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await http?.close();
  });

  /** An initialized playground socket for `user`, and every message it has received. */
  async function open(user: string): Promise<{
    ws: WebSocket;
    messages: Message[];
    next: (match: (m: Message) => boolean, what: string) => Promise<Message>;
    closed: Promise<{ code: number; reason: string }>;
  }> {
    const res = await t.http
      .post('/api/mcp/ws/connect')
      .set(bearer(tokenFor(user)))
      .send({ server_params: { type: 'StreamableHttpServerParams', url: http.url } })
      .expect(200);
    const ws = new WebSocket(`${t.baseUrl.replace('http', 'ws')}${res.body.websocket_url}?token=${tokenFor(user)}`);
    const messages: Message[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(rawText(data)) as Message));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const next = async (match: (m: Message) => boolean, what: string) => {
      const deadline = Date.now() + TIMEOUT_MS;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${TIMEOUT_MS} ms; got ${JSON.stringify(messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await next((m) => m.type === 'initialized', 'initialized');
    return { ws, messages, next, closed };
  }

  it('refuses a frame nested deeper than MAX_JSON_DEPTH and a NUL in a key, forwarding neither', async () => {
    const socket = await open('alice');
    socket.ws.send(JSON.stringify({ type: 'operation', operation: 'call_tool', tool_name: 'echo', arguments: { text: nested(200) } }));
    const deep = await socket.next((m) => m.type === 'error', 'depth error');
    expect(deep.error).toBe('Frame is nested deeper than 64 levels (MAX_JSON_DEPTH)');

    socket.ws.send(JSON.stringify({ type: 'operation', operation: 'call_tool', tool_name: 'echo', arguments: { '\u0000': 'x' } }));
    const nul = await socket.next((m) => m.type === 'error' && m !== deep, 'NUL error');
    expect(nul.error).toMatch(/must not contain the NUL character/);

    // The socket still works, and neither frame became an operation.
    socket.ws.send(JSON.stringify({ type: 'ping' }));
    await socket.next((m) => m.type === 'pong', 'pong');
    expect(socket.messages.filter((m) => m.type === 'operation_result' || m.type === 'operation_error')).toEqual([]);
    socket.ws.close();
    await socket.closed;
  });

  it('takes frames up to WS_MAX_FRAME_BYTES (no smaller limit of its own) and closes with 1009 past it', async () => {
    const socket = await open('bob');
    // 1.5 MiB: over the former undocumented 1 MiB limit, under WS_MAX_FRAME_BYTES (2 MiB here).
    socket.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(1536 * 1024) }));
    await socket.next((m) => m.type === 'pong', 'pong to a 1.5 MiB frame');
    socket.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(2560 * 1024) }));
    expect((await socket.closed).code).toBe(1009);
  });
});
