/**
 * Model requests get HTTP CLIENT spans (issue #17): the egress fetch (src/engine/egress/pinned-fetch.ts)
 * calls `http.request` through the module object, which the OpenTelemetry HTTP instrumentation
 * patches, so a run's `chat` span has a `POST` CLIENT child and the model server receives that
 * span in its `traceparent`.
 *
 * Under vitest a named import of a built-in is read at call time too, so the first test would pass
 * with either import style; the second runs pinned-fetch.ts as Node runs the built server (bundled
 * by esbuild into plain ESM, in a child `node`), where only the module-object call is patched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracedTestApp } from '../support/in-memory-tracing.js';
import type { ChatCompletionsServer } from '../fakes/chat-completions-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const exporter = new InMemorySpanExporter();
let closeAll: (() => Promise<void>) | undefined;
let t: import('../support/test-app.js').TestApp;
let fake: ChatCompletionsServer;
let support: {
  runs: typeof import('../support/runs.js');
  viewer: typeof import('../support/run-viewer.js');
  teams: typeof import('../support/teams.js');
};

beforeAll(async () => {
  ({ t, model: fake, close: closeAll } = await startTracedTestApp(exporter));
  support = {
    runs: await import('../support/runs.js'),
    viewer: await import('../support/run-viewer.js'),
    teams: await import('../support/teams.js'),
  };
});
afterAll(async () => {
  await closeAll?.();
});

describe('HTTP CLIENT spans of model requests', () => {
  it('a run against an OpenAI-compatible server: chat → POST (CLIENT), whose id the server receives in traceparent', async () => {
    fake.push({ type: 'text', text: 'Hello. TERMINATE' });
    const team = support.teams.openAiTeam(fake.baseUrl, { maxRetries: 0 });
    const { runId } = await support.runs.createRun(t, team);
    const viewer = await support.viewer.RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Say hi', team_config: team });
      await expect(viewer.terminal(20_000)).resolves.toMatchObject({ type: 'result' });
    } finally {
      await viewer.close();
    }
    const request = await fake.waitForRequest(0, 10_000);
    const traceparent = String(request.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const [, traceId, parentId] = traceparent.split('-');

    const client = () =>
      exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).startsWith(`${fake.baseUrl}/chat/completions`));
    await expect.poll(client, { timeout: 10_000 }).toBeDefined();
    const post = client()!;
    expect(post.name).toBe('POST');
    expect(post.spanContext()).toMatchObject({ traceId, spanId: parentId });
    const chat = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === post.parentSpanContext?.spanId);
    expect(chat?.name).toMatch(/^chat\b/);
    expect(chat?.attributes['gen_ai.operation.name']).toBe('chat');
  });

  it('a third party (an HttpTool or MCP request: no traceparent from a model client) gets no trace ids and no CLIENT span', async () => {
    const { EgressPolicy, parseEgressAllow } = await import('../../src/engine/index.js');
    const { createServer } = await import('node:http');
    const seen: unknown[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.traceparent);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/third-party`;
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
      const parent = trace.getTracer('test').startSpan('execute_tool x');
      await context.with(trace.setSpan(context.active(), parent), async () => (await policy.fetch(url)).text());
      parent.end();
      expect(seen).toEqual([undefined]);
      expect(exporter.getFinishedSpans().filter((s) => String(s.attributes['url.full']).includes('/third-party'))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('the egress fetch as plain Node ESM (the built server) makes a CLIENT span under the active span', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinned-fetch-esm-'));
    const bundle = join(dir, 'pinned-fetch.mjs');
    // Plain ESM with node:http / node:https left as imports, as tsc emits them for dist/.
    await build({
      entryPoints: [join(ROOT, 'src/engine/egress/pinned-fetch.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: bundle,
      logLevel: 'silent',
    });
    const script = join(dir, 'run.mjs');
    writeFileSync(
      script,
      `
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const { trace, context } = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const exporter = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
new HttpInstrumentation(); // enabled on construction, with the global tracer provider
require('node:http'); // as express does at start-up: the instrumentation patches the module then
const { createPinnedFetch } = await import(${JSON.stringify(bundle)});
let seen;
const server = createServer((req, res) => { seen = req.headers.traceparent; res.end('ok'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const fetch = createPinnedFetch(async (url) => ({ url, hostname: '127.0.0.1', port, address: '127.0.0.1', family: 4 }));
const parent = trace.getTracer('t').startSpan('chat');
await context.with(trace.setSpan(context.active(), parent), async () => (await fetch('http://127.0.0.1:' + port + '/v1/x')).text());
parent.end();
server.close();
const clients = exporter.getFinishedSpans().filter((s) => s.kind === 2);
console.log(JSON.stringify({ clients: clients.map((s) => ({ name: s.name, parent: s.parentSpanContext?.spanId, id: s.spanContext().spanId })), chat: parent.spanContext().spanId, seen }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: ROOT, timeout: 30_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      clients: { name: string; parent?: string; id: string }[];
      chat: string;
      seen?: string;
    };
    expect(out.clients).toEqual([{ name: 'GET', parent: out.chat, id: expect.any(String) as string }]);
    expect(out.seen).toContain(out.clients[0]!.id);
  });
});
