/**
 * The engine's spans, recorded with the SDK's InMemorySpanExporter (no network): a run's span
 * tree and its GenAI semantic-convention attributes, the content switch, and `traceparent` on the
 * model's HTTP request.
 */
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../../../test/fakes/anthropic-server.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../../../test/fakes/chat-completions-server.js';
import { startOllamaServer } from '../../../test/fakes/ollama-server.js';
import { fixtureLoadContext, readFixture } from '../../../test/support/engine/fixtures.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import { loadTeam } from '../components/loader.js';
import { driveTeam } from '../driver/drive-team.js';
import type { RunEvent } from '../driver/run-outcome.js';
import { hashUserId } from './run-span.js';
import { EgressPolicy } from '../egress/policy.js';
import { parseEgressAllow } from '../egress/rules.js';
import { withTraceContext } from './propagation.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const CAPTURE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

beforeAll(() => {
  // As the Node SDK does: the global tracer provider, AsyncLocalStorage context and W3C propagator.
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
let fake: ChatCompletionsServer | undefined;
afterEach(async () => {
  exporter.reset();
  delete process.env[CAPTURE];
  await fake?.close();
  fake = undefined;
});

/** The weather fixture: a replay model asks for `weather_forecast`, the tool runs, the model reflects on it. */
function weatherTeam(): Record<string, unknown> {
  return readFixture('weather-tool');
}

async function run(
  team: Record<string, unknown>,
  telemetry = { runId: 7, sessionId: 3, teamLabel: 'Weather chat', userId: 'alice@example.com' },
): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of driveTeam(() => loadTeam(team, fixtureLoadContext()), 'What is the weather in Paris?', { telemetry })) events.push(event);
  return events;
}

const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('engine spans (OpenTelemetry GenAI semantic conventions)', () => {
  it('a replay-model run with a tool call gives run → invoke_agent → chat / execute_tool, with the GenAI attributes', async () => {
    const events = await run(weatherTeam());
    expect(events.at(-1)).toMatchObject({ type: 'outcome', outcome: { status: 'complete' } });
    const spans = exporter.getFinishedSpans();

    const [runSpan] = named(spans, 'run Weather chat');
    expect(runSpan).toBeDefined();
    expect(parentOf(runSpan!)).toBeUndefined();
    expect(runSpan!.attributes).toMatchObject({
      'teamstream.run.id': '7',
      'session.id': '3',
      'teamstream.team.label': 'Weather chat',
      'user.hash': hashUserId('alice@example.com'),
      'teamstream.run.status': 'complete',
      'gen_ai.usage.input_tokens': 90,
      'gen_ai.usage.output_tokens': 32,
    });
    expect(runSpan!.attributes['teamstream.run.stop_reason']).toEqual(expect.stringContaining('TERMINATE'));
    expect(JSON.stringify(runSpan!.attributes)).not.toContain('alice');

    const turns = named(spans, 'invoke_agent chatbot');
    expect(turns).toHaveLength(1);
    const turn = turns[0]!;
    expect(parentOf(turn)).toBe(runSpan!.spanContext().spanId);
    expect(turn.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'chatbot' });

    // The replay client's config names no model: the span is plain `chat`.
    const chats = named(spans, 'chat');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(parentOf(chat)).toBe(turn.spanContext().spanId);
      expect(chat.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'replay' });
      // A replayed answer names no model.
      expect(chat.attributes).not.toHaveProperty('gen_ai.response.model');
    }
    const byStart = [...chats].sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    expect(byStart[0]!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.response.finish_reasons': ['function_calls'],
    });
    expect(byStart[1]!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 50,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.response.finish_reasons': ['stop'],
    });

    const [tool] = named(spans, 'execute_tool weather_forecast');
    expect(tool).toBeDefined();
    expect(parentOf(tool!)).toBe(turn.spanContext().spanId);
    expect(tool!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'weather_forecast',
      'gen_ai.tool.call.id': 'call_1',
    });
    // Every span of the run is in the run's trace.
    for (const span of spans) expect(span.spanContext().traceId).toBe(runSpan!.spanContext().traceId);
  });

  it('records no message content by default', async () => {
    await run(weatherTeam());
    const all = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(all).not.toContain('Paris');
    expect(all).not.toContain('sunny');
    expect(all).not.toContain('gen_ai.input.messages');
    expect(all).not.toContain('gen_ai.tool.call.arguments');
  });

  it('records messages, tool arguments and results with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true', async () => {
    process.env[CAPTURE] = 'true';
    await run(weatherTeam());
    const spans = exporter.getFinishedSpans();
    const [tool] = named(spans, 'execute_tool weather_forecast');
    expect(tool!.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"Paris"}');
    expect(tool!.attributes['gen_ai.tool.call.result']).toEqual(expect.stringContaining('sunny'));
    const chats = named(spans, 'chat');
    expect(chats.every((c) => String(c.attributes['gen_ai.input.messages']).includes('What is the weather in Paris?'))).toBe(true);
    expect(chats.some((c) => String(c.attributes['gen_ai.output.messages']).includes('TERMINATE'))).toBe(true);
  });

  it('an error outcome marks the run span failed with its stop reason', async () => {
    const team = weatherTeam();
    // A replay model that runs out of answers after the tool call: a ModelError.
    const agent = (team.config as { participants: { config: { model_client: { config: { chat_completions: unknown[] } } } }[] }).participants[0]!;
    agent.config.model_client.config.chat_completions.splice(1);
    const events = await run(team);
    expect(events.at(-1)).toMatchObject({ type: 'outcome', outcome: { status: 'error' } });
    const [runSpan] = named(exporter.getFinishedSpans(), 'run Weather chat');
    expect(runSpan!.attributes['teamstream.run.status']).toBe('error');
    expect(runSpan!.status.code).toBe(SpanStatusCode.ERROR);
    const failedChat = named(exporter.getFinishedSpans(), 'chat').find((c) => c.status.code === SpanStatusCode.ERROR);
    expect(failedChat?.attributes['error.type']).toBeDefined();
  });

  it('gen_ai.response.model is the model the provider answered with (OpenAI-compatible, Anthropic, Ollama), not the one asked for', async () => {
    const withModel = (modelClient: Record<string, unknown>) => {
      const team = weatherTeam();
      const agent = (team.config as { participants: { config: Record<string, unknown> }[] }).participants[0]!;
      agent.config.model_client = { component_type: 'model', ...modelClient };
      return team;
    };
    const openai = await startChatCompletionsServer([{ type: 'text', text: 'Sunny. TERMINATE', model: 'gpt-4o-2024-08-06' }]);
    const anthropic = await startAnthropicServer([{ type: 'text', text: 'Sunny. TERMINATE', model: 'claude-sonnet-4-5-20250929' }]);
    const ollama = await startOllamaServer([{ type: 'text', text: 'Sunny. TERMINATE', model: 'llama3.2:3b-instruct-q4' }]);
    try {
      const teams = [
        withModel({
          provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
          config: { model: 'gpt-4o', base_url: openai.baseUrl, api_key: 'sk-test-not-real', max_retries: 0 },
        }),
        withModel({
          provider: 'autogen_ext.models.anthropic.AnthropicChatCompletionClient',
          config: { model: 'claude-sonnet-4-5', base_url: anthropic.url, api_key: 'sk-ant-test', max_retries: 0 },
        }),
        withModel({
          provider: 'autogen_ext.models.ollama.OllamaChatCompletionClient',
          config: {
            model: 'llama3.2:3b',
            host: ollama.host,
            model_info: { vision: false, function_calling: true, json_output: true, family: 'unknown', structured_output: true },
          },
        }),
      ];
      for (const team of teams) expect((await run(team)).at(-1)).toMatchObject({ type: 'outcome', outcome: { status: 'complete' } });
      const responseModel = (name: string) => named(exporter.getFinishedSpans(), name).map((s) => s.attributes['gen_ai.response.model']);
      expect(responseModel('chat gpt-4o')).toEqual(['gpt-4o-2024-08-06']);
      expect(responseModel('chat claude-sonnet-4-5')).toEqual(['claude-sonnet-4-5-20250929']);
      expect(responseModel('chat llama3.2:3b')).toEqual(['llama3.2:3b-instruct-q4']);
    } finally {
      await Promise.all([openai.close(), anthropic.close(), ollama.close()]);
    }
  });

  it("a model request to an OpenAI-compatible server carries a traceparent in the run's trace", async () => {
    fake = await startChatCompletionsServer([{ type: 'text', text: 'Sunny in Paris. TERMINATE' }]);
    const team = weatherTeam();
    const agent = (team.config as { participants: { config: Record<string, unknown> }[] }).participants[0]!;
    agent.config.model_client = {
      provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
      component_type: 'model',
      config: { model: 'gpt-4o', base_url: fake.baseUrl, api_key: 'sk-test-not-real', max_retries: 0 },
    };
    const events = await run(team);
    expect(events.at(-1)).toMatchObject({ type: 'outcome', outcome: { status: 'complete' } });
    const spans = exporter.getFinishedSpans();
    const [runSpan] = named(spans, 'run Weather chat');
    const [chat] = named(spans, 'chat gpt-4o');
    expect(chat!.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' });
    const traceparent = fake.requests[0]!.headers.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const [, traceId, parentId] = String(traceparent).split('-');
    expect(traceId).toBe(runSpan!.spanContext().traceId);
    expect(parentId).toBe(chat!.spanContext().spanId);
    // Never a key or header on a span.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('sk-test-not-real');
  });

  it('trace ids go only to model servers: the egress fetch itself (web pages, HttpTool, MCP hosts) sends none', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => (seen.push(req.headers), res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const { fetch } = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
      const span = trace.getTracer('test').startSpan('tool call');
      await context.with(trace.setSpan(context.active(), span), async () => {
        await (await fetch(url)).text();
        await (await withTraceContext(fetch)(url, { headers: { 'x-kept': 'yes' } })).text();
      });
      span.end();
      expect(seen[0]!.traceparent).toBeUndefined();
      expect(seen[1]!.traceparent).toContain(span.spanContext().traceId);
      expect(seen[1]!['x-kept']).toBe('yes');
    } finally {
      server.close();
    }
  });

  it('a human input wait is a human_input span inside the user proxy turn, with no content', async () => {
    const team = readFixture('human-in-the-loop');
    const events: RunEvent[] = [];
    const io = new ScriptedIOStream(['APPROVE the secret plan']);
    for await (const event of driveTeam(() => loadTeam(team, fixtureLoadContext()), 'Write a poem', { io, limits: { maxTurns: 4 } }))
      events.push(event);
    expect(events.at(-1)?.type).toBe('outcome');
    const spans = exporter.getFinishedSpans();
    const [wait] = named(spans, 'human_input user_proxy');
    expect(wait).toBeDefined();
    expect(wait!.attributes['teamstream.input.source']).toBe('user_proxy');
    const [proxyTurn] = named(spans, 'invoke_agent user_proxy');
    expect(parentOf(wait!)).toBe(proxyTurn!.spanContext().spanId);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('secret plan');
  });
});
