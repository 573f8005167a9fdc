/**
 * Every front end that admits a run (not only the run socket) gets the same run telemetry
 * (ObservedRuns): `/ws/chat`, `POST /chat/completions` and `POST /api/validate/test` move
 * `teamstream_runs_finished_total{status,front_end}` and the model-call metrics, and each run has
 * its run span with `teamstream.front_end`, the hashed user, its session and team label, and its
 * status. One server with METRICS=on and the Node SDK started as main.ts starts it, its spans kept
 * by an InMemorySpanExporter.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashUserId } from '../../src/engine/index.js';
import { startTracedTestApp } from '../support/in-memory-tracing.js';
import { sampleValue } from './prom-text.js';

type Json = Record<string, any>;

const exporter = new InMemorySpanExporter();
let closeAll: (() => Promise<void>) | undefined;
let t: import('../support/test-app.js').TestApp;
let model: import('../fakes/chat-completions-server.js').ChatCompletionsServer;
let support: {
  chat: typeof import('../chat/ndjson.js');
  socket: typeof import('../chat/text-socket.js');
  teams: typeof import('../support/teams.js');
  runs: typeof import('../support/runs.js');
};

beforeAll(async () => {
  ({ t, model, close: closeAll } = await startTracedTestApp(exporter, { env: { METRICS: 'on' } }));
  support = {
    chat: await import('../chat/ndjson.js'),
    socket: await import('../chat/text-socket.js'),
    teams: await import('../support/teams.js'),
    runs: await import('../support/runs.js'),
  };
}, 60_000);
afterAll(async () => {
  await closeAll?.();
});

const scrape = async () => (await t.http.get('/metrics').expect(200)).text;
const runSpans = (frontEnd: string) => exporter.getFinishedSpans().filter((s) => s.attributes['teamstream.front_end'] === frontEnd);

/** The one finished run span of `frontEnd` that was not there in `before`, waited for (it ends just after the last event). */
async function newRunSpan(frontEnd: string, before: ReadableSpan[]): Promise<ReadableSpan> {
  const fresh = () => runSpans(frontEnd).filter((s) => !before.includes(s));
  await expect.poll(() => fresh().length, { timeout: 10_000 }).toBe(1);
  return fresh()[0]!;
}

describe('run telemetry of every front end (METRICS=on, tracing on)', () => {
  it('/ws/chat: runs_finished_total{front_end="ws_chat"} and a run span with the connection as its session', async () => {
    const before = await scrape();
    const spansBefore = runSpans('ws_chat');
    const client = await support.socket.TextSocket.open(t.baseUrl);
    try {
      client.send('What is the weather in Paris?');
      expect((await client.untilEnd()).at(-1)).toBe("Done: Text 'TERMINATE' mentioned");
    } finally {
      await client.close();
    }
    const span = await newRunSpan('ws_chat', spansBefore);
    expect(span.name).toBe(`run ${t.config.chat.socketTeam}`);
    expect(span.attributes).toMatchObject({
      'teamstream.front_end': 'ws_chat',
      'teamstream.team.label': t.config.chat.socketTeam,
      'user.hash': hashUserId(support.runs.GUEST),
      'teamstream.run.status': 'complete',
      'teamstream.run.stop_reason': "Text 'TERMINATE' mentioned",
    });
    expect(String(span.attributes['session.id'])).toMatch(/^ws-chat:/);
    // The run's agent turns and model calls are in its trace.
    const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === span.spanContext().traceId);
    expect(inTrace.some((s) => s.name.startsWith('invoke_agent '))).toBe(true);

    const after = await scrape();
    const delta = (labels: Record<string, string>) =>
      sampleValue(after, 'teamstream_runs_finished_total', labels) - sampleValue(before, 'teamstream_runs_finished_total', labels);
    expect(delta({ status: 'complete', front_end: 'ws_chat' })).toBe(1);
    expect(delta({ status: 'complete', front_end: 'run_socket' })).toBe(0);
  }, 30_000);

  it('/ws/chat: a human input wait moves the input-wait metrics', async () => {
    const socket = await import('../chat/text-socket.js');
    const app = await (await import('../support/test-app.js')).startTestApp({ env: { METRICS: 'on', CHAT_DEFAULT_TEAM: 'Human in the loop' } });
    try {
      const before = (await app.http.get('/metrics').expect(200)).text;
      const client = await socket.TextSocket.open(app.baseUrl);
      try {
        client.send('Write a haiku');
        await client.waitFor((f) => f === 'Enter your response: ');
        const waiting = (await app.http.get('/metrics').expect(200)).text;
        expect(sampleValue(waiting, 'teamstream_input_waiting')).toBe(1);
        client.send('APPROVE');
        expect((await client.untilEnd()).at(-1)).toMatch(/^Done: /);
      } finally {
        await client.close();
      }
      const after = (await app.http.get('/metrics').expect(200)).text;
      expect(sampleValue(after, 'teamstream_input_waits_total') - sampleValue(before, 'teamstream_input_waits_total')).toBe(1);
      expect(sampleValue(after, 'teamstream_input_waiting')).toBe(0);
    } finally {
      await app.close();
    }
  }, 30_000);

  it('POST /chat/completions: runs_finished_total{front_end="chat_completions"} and a run span with the conversation as its session', async () => {
    const before = await scrape();
    const spansBefore = runSpans('chat_completions');
    const reply = await support.chat.chat(t.baseUrl, { message: 'I want a unicycle', conversation_id: 'conv_metrics' });
    expect(reply.status).toBe(200);
    const span = await newRunSpan('chat_completions', spansBefore);
    expect(span.attributes).toMatchObject({
      'teamstream.front_end': 'chat_completions',
      'session.id': 'conv_metrics',
      'teamstream.team.label': t.config.chat.completionsTeam,
      'user.hash': hashUserId(support.runs.GUEST),
      'teamstream.run.status': 'complete',
    });
    // The run span is inside the request's HTTP SERVER span (the http instrumentation's).
    const server = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
    expect(server).toMatchObject({
      kind: SpanKind.SERVER,
      attributes: expect.objectContaining({ 'http.request.method': 'POST', 'url.path': '/chat/completions' }),
    });
    const after = await scrape();
    const finished = (text: string) => sampleValue(text, 'teamstream_runs_finished_total', { status: 'complete', front_end: 'chat_completions' });
    expect(finished(after) - finished(before)).toBe(1);
  }, 30_000);

  it('POST /api/validate/test: runs_finished_total{front_end="validate"}, model-call metrics, and a run span with the team label', async () => {
    model.push({ type: 'text', text: 'Hello. TERMINATE', usage: { prompt_tokens: 5, completion_tokens: 3 }, model: 'gpt-4o-mini-2024-07-18' });
    const team = support.teams.openAiTeam(model.baseUrl, { maxRetries: 0 }) as Json;
    const before = await scrape();
    const spansBefore = runSpans('validate');
    const res = await t.http.post('/api/validate/test').send({ component: team, timeout: 10 }).expect(200);
    expect(res.body.status).toBe(true);
    const span = await newRunSpan('validate', spansBefore);
    expect(span.attributes).toMatchObject({
      'teamstream.front_end': 'validate',
      'teamstream.team.label': team.label,
      'user.hash': hashUserId(support.runs.GUEST),
      'teamstream.run.status': 'complete',
    });
    // The model call is a chat span of the run's trace, with the model the server answered with.
    const chat = exporter.getFinishedSpans().find((s) => s.name === 'chat gpt-4o-mini' && s.spanContext().traceId === span.spanContext().traceId);
    expect(chat?.attributes['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('teamstream_runs_finished_total', { status: 'complete', front_end: 'validate' })).toBe(1);
    expect(delta('teamstream_model_call_duration_seconds_count', { provider: 'openai', model: 'gpt-4o-mini' })).toBe(1);
    expect(delta('teamstream_model_tokens_total', { model: 'gpt-4o-mini', kind: 'prompt' })).toBe(5);
  }, 30_000);

  it('the run socket labels its runs front_end="run_socket" and its run span teamstream.front_end', async () => {
    const team = (await import('../support/fixtures.js')).teamFixture('weather-tool');
    const before = await scrape();
    const spansBefore = runSpans('run_socket');
    const { runId, viewer } = await support.runs.openRun(t, team);
    try {
      viewer.send({ type: 'start', task: 'Weather in Paris?', team_config: team });
      await expect(viewer.terminal()).resolves.toMatchObject({ type: 'result' });
    } finally {
      await viewer.close();
    }
    const span = await newRunSpan('run_socket', spansBefore);
    expect(span.attributes).toMatchObject({ 'teamstream.run.id': String(runId), 'teamstream.run.status': 'complete' });
    const after = await scrape();
    const finished = (text: string) => sampleValue(text, 'teamstream_runs_finished_total', { status: 'complete', front_end: 'run_socket' });
    expect(finished(after) - finished(before)).toBe(1);
  }, 30_000);
});
