/**
 * WebSocket frame spans (src/websocket/frame-span.ts) through the real server and real `ws`
 * clients, with the Node SDK started as main.ts starts it and an InMemorySpanExporter: one span
 * per handled client frame on the run socket, /ws/chat and the MCP playground socket, named
 * `<frame type> <route>`, parent of the run a `start` / task frame starts; refusals carry
 * `error.type`; no span lives as long as the socket; no token, query or session id on any span.
 * Log lines written while a frame or request is handled carry its trace id.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startInMemoryTracing } from '../support/in-memory-tracing.js';

type Json = Record<string, any>;

const exporter = new InMemorySpanExporter();
const lines: Json[] = [];
let stopTracing: (() => Promise<void>) | undefined;
let logApp: import('../support/json-log-app.js').JsonLogApp;
let mcp: import('../fakes/mcp-server.js').McpHttpServer;
let model: import('../fakes/chat-completions-server.js').ChatCompletionsServer;
let baseUrl: string;
let support: {
  viewer: typeof import('../support/run-viewer.js');
  runs: typeof import('../support/runs.js');
  fixtures: typeof import('../support/fixtures.js');
  teams: typeof import('../support/teams.js');
  socket: typeof import('../chat/text-socket.js');
};

beforeAll(async () => {
  stopTracing = await startInMemoryTracing(exporter);
  // Nest, express and the app only after the SDK, as in main.ts; the app logs JSON into `lines`.
  const { startJsonLogApp } = await import('../support/json-log-app.js');
  const { startMcpHttpServer } = await import('../fakes/mcp-server.js');
  const { startChatCompletionsServer } = await import('../fakes/chat-completions-server.js');
  support = {
    viewer: await import('../support/run-viewer.js'),
    runs: await import('../support/runs.js'),
    fixtures: await import('../support/fixtures.js'),
    teams: await import('../support/teams.js'),
    socket: await import('../chat/text-socket.js'),
  };
  mcp = await startMcpHttpServer();
  model = await startChatCompletionsServer();
  logApp = await startJsonLogApp(lines);
  baseUrl = logApp.baseUrl;
}, 60_000);
afterAll(async () => {
  await logApp?.close();
  await mcp?.close();
  await model?.close();
  await stopTracing?.();
});

const finished = () => exporter.getFinishedSpans();
const spanId = (s: ReadableSpan) => s.spanContext().spanId;
const named = (name: string) => finished().filter((s) => s.name === name);

describe('WebSocket frame spans', () => {
  it('run socket: ping, a refused frame and start each get a span; the start span is the run span’s parent', async () => {
    const team = support.fixtures.teamFixture('weather-tool');
    const { runId } = await support.runs.createRunAt(baseUrl, team);
    const viewer = await support.viewer.RunViewer.open(baseUrl, runId);
    try {
      viewer.send({ type: 'ping' });
      await viewer.waitFor((f) => f.type === 'pong');
      viewer.send({ type: 'no_such_frame' });
      await viewer.waitFor((f) => f.type === 'error');
      viewer.send({ type: 'start', task: 'Weather in Paris?', team_config: team });
      await expect(viewer.terminal()).resolves.toMatchObject({ type: 'result' });
      const route = '/api/ws/runs/:id';
      // Each frame's span has ended while the socket is still open: none lives as long as the socket.
      await expect.poll(() => named(`start ${route}`).length, { timeout: 10_000 }).toBe(1);
      const [ping] = named(`ping ${route}`);
      const [refused] = named(`frame ${route}`);
      const [start] = named(`start ${route}`);
      for (const span of [ping!, refused!, start!]) {
        expect(span.kind).toBe(SpanKind.SERVER);
        expect(span.attributes).toMatchObject({ 'network.protocol.name': 'websocket', 'url.path': route, 'teamstream.run.id': String(runId) });
      }
      expect(ping!.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(refused!.attributes['error.type']).toBe('bad_request');
      expect(refused!.status.code).toBe(SpanStatusCode.ERROR);
      expect(start!.attributes['error.type']).toBeUndefined();

      // The run span is a child of the start frame's span, so the whole run is in its trace.
      await expect.poll(() => named('run Weather chat').length, { timeout: 10_000 }).toBe(1);
      const [runSpan] = named('run Weather chat');
      expect(runSpan!.parentSpanContext?.spanId).toBe(spanId(start!));
      expect(runSpan!.spanContext().traceId).toBe(start!.spanContext().traceId);
    } finally {
      await viewer.close();
    }
  }, 30_000);

  it('/ws/chat: a task frame’s span is the parent of its run; a binary frame’s span carries error.type', async () => {
    const client = await support.socket.TextSocket.open(baseUrl);
    try {
      const before = named('run Weather chat').length;
      client.send('What is the weather in Paris?');
      expect((await client.untilEnd()).at(-1)).toBe("Done: Text 'TERMINATE' mentioned");
      client.send(Buffer.from([1, 2, 3]));
      await client.waitFor((f) => f === 'Error: send text frames only');
      await expect.poll(() => named('run Weather chat').length, { timeout: 10_000 }).toBe(before + 1);
      const [task] = named('task /ws/chat');
      const runSpan = named('run Weather chat').find((s) => s.parentSpanContext?.spanId === spanId(task!));
      expect(runSpan?.attributes['teamstream.front_end']).toBe('ws_chat');
      expect(task!.attributes).toMatchObject({ 'network.protocol.name': 'websocket', 'url.path': '/ws/chat' });
      await expect.poll(() => named('binary /ws/chat').length, { timeout: 5_000 }).toBe(1);
      expect(named('binary /ws/chat')[0]!.attributes['error.type']).toBe('bad_request');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('MCP socket: an operation frame’s span, named by the route template, never by the session id', async () => {
    const res = await fetch(`${baseUrl}/api/mcp/ws/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server_params: { type: 'StreamableHttpServerParams', url: mcp.url } }),
    });
    expect(res.status).toBe(200);
    const { session_id: sessionId, websocket_url: path } = (await res.json()) as { session_id: string; websocket_url: string };
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}${path}`);
    const messages: Json[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Json));
    try {
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      await expect.poll(() => messages.some((m) => m.type === 'initialized'), { timeout: 20_000 }).toBe(true);
      ws.send(JSON.stringify({ type: 'operation', operation: 'list_tools' }));
      await expect.poll(() => messages.some((m) => m.type === 'operation_result'), { timeout: 20_000 }).toBe(true);
      ws.send('not json');
      await expect.poll(() => messages.some((m) => m.type === 'error'), { timeout: 5_000 }).toBe(true);
      const route = '/api/mcp/ws/:session_id';
      await expect.poll(() => named(`operation ${route}`).length, { timeout: 5_000 }).toBe(1);
      expect(named(`operation ${route}`)[0]!.attributes).toMatchObject({ 'network.protocol.name': 'websocket', 'url.path': route });
      await expect.poll(() => named(`frame ${route}`).length, { timeout: 5_000 }).toBe(1);
      expect(named(`frame ${route}`)[0]!.attributes['error.type']).toBe('bad_request');
      const socketSpans = finished().filter((s) => s.attributes['network.protocol.name'] === 'websocket');
      expect(JSON.stringify(socketSpans.map((s) => [s.name, s.attributes]))).not.toContain(sessionId);
    } finally {
      ws.close();
    }
  }, 40_000);

  it('log lines carry the trace id: a request line its HTTP span’s, a run line its run span’s; no socket span holds a token', async () => {
    const from = lines.length;
    const res = await fetch(`${baseUrl}/api/teams/?user_id=${encodeURIComponent(support.runs.GUEST)}`);
    expect(res.status).toBe(200);
    let requestLine: Json | undefined;
    await expect
      .poll(() => (requestLine = lines.slice(from).find((l) => l.context === 'Request' && l.path === '/api/teams/')), { timeout: 5_000 })
      .toBeDefined();
    const server = finished().findLast(
      (s) => s.kind === SpanKind.SERVER && s.attributes['http.request.method'] === 'GET' && s.attributes['url.path'] === '/api/teams/',
    );
    expect(server).toBeDefined();
    expect(requestLine).toMatchObject({ trace_id: server!.spanContext().traceId, span_id: server!.spanContext().spanId, trace_flags: '01' });

    // A failed run: the TeamManager's warning is in the run span's trace.
    model.push({ type: 'error', status: 400, message: 'no such model', errorType: 'invalid_request_error' });
    const team = support.teams.openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId } = await support.runs.createRunAt(baseUrl, team);
    const viewer = await support.viewer.RunViewer.open(baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Hello', team_config: team });
      expect(await viewer.terminal(20_000)).toMatchObject({ type: 'completion', status: 'error' });
    } finally {
      await viewer.close();
    }
    let runLine: Json | undefined;
    await expect.poll(() => (runLine = lines.find((l) => l.context === 'TeamManager' && l.run_id === runId)), { timeout: 5_000 }).toBeDefined();
    const runSpanOf = () => finished().find((s) => s.name.startsWith('run') && s.attributes['teamstream.run.id'] === String(runId));
    await expect.poll(runSpanOf, { timeout: 10_000 }).toBeDefined();
    expect(runLine).toMatchObject({ trace_id: runSpanOf()!.spanContext().traceId, span_id: runSpanOf()!.spanContext().spanId });

    const socketSpans = finished().filter((s) => s.attributes['network.protocol.name'] === 'websocket');
    expect(socketSpans.length).toBeGreaterThan(0);
    expect(JSON.stringify(socketSpans.map((s) => s.attributes))).not.toMatch(/token|\?/);
  }, 40_000);
});
