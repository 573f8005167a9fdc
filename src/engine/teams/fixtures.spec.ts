/**
 * The team fixtures (test/fixtures/teams), run as an AGS user would: each loads,
 * each replay team runs to its stop reason with AgentChat's messages in order, each round-trips.
 */
import { describe, expect, it } from 'vitest';
import { startChatCompletionsServer } from '../../../test/fakes/chat-completions-server.js';
import { dumpComponent } from '../components/dump.js';
import { loadTeam } from '../components/loader.js';
import { CancelledError, ConfigError, RunStateError } from '../errors.js';
import type { AgentMessage, TaskResult } from '../messages.js';
import { builtinTools } from '../tools/builtins.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { fixtureLoadContext, fixtureNames, readFixture } from '../../../test/support/engine/fixtures.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import { isTaskResult, type RunOptions, type Team } from './team.js';

interface Run {
  items: AgentMessage[];
  result: TaskResult;
  /** `Type:source` of every non-chunk item, task included. */
  sequence: string[];
}

async function runFixture(name: string, task: string, options: RunOptions = {}): Promise<Run> {
  return runTeam(loadTeam(readFixture(name), fixtureLoadContext()), task, options);
}

async function runTeam(team: Team, task: string, options: RunOptions = {}): Promise<Run> {
  const items: AgentMessage[] = [];
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task, options)) {
    if (isTaskResult(item)) result = item;
    else items.push(item);
  }
  expect(result).toBeDefined();
  const sequence = items.filter((m) => m.type !== 'ModelClientStreamingChunkEvent').map((m) => `${m.type}:${m.source}`);
  expect(result!.messages.map((m) => `${m.type}:${m.source}`)).toEqual(sequence);
  return { items, result: result!, sequence };
}

describe('team fixtures', () => {
  it('are all there', () => {
    // The catalogue fixtures (catalog-*.json) have their own specs (catalog-fixtures.spec.ts); they load and round-trip below too.
    expect(fixtureNames().filter((n) => !n.startsWith('catalog-'))).toEqual([
      'human-in-the-loop.json',
      'openai-assistant.json',
      'round-robin-replay.json',
      'selector.json',
      'swarm-handoffs.json',
      'weather-tool.json',
    ]);
  });

  describe.each(fixtureNames())('%s', (name) => {
    it('loads', () => {
      const team = loadTeam(readFixture(name), fixtureLoadContext());
      expect(team.componentType).toBe('team');
      expect(team.participants.length).toBeGreaterThan(0);
    });

    it('round-trips through load → dump to the same ComponentModel', () => {
      const fixture = readFixture(name);
      const dumped = dumpComponent(loadTeam(fixture, fixtureLoadContext()));
      expect(dumped).toEqual(fixture);
      expect(dumpComponent(loadTeam(dumped, fixtureLoadContext()))).toEqual(dumped);
    });
  });

  it('weather-tool: tool request, execution, then the reflected answer', async () => {
    const { items, result, sequence } = await runFixture('weather-tool', 'What is the weather in Paris?');
    expect(sequence).toEqual(['TextMessage:user', 'ToolCallRequestEvent:chatbot', 'ToolCallExecutionEvent:chatbot', 'TextMessage:chatbot']);
    const execution = items.find((m) => m.type === 'ToolCallExecutionEvent');
    expect(execution?.content).toEqual([
      { content: 'The weather forecast for Paris is sunny.', name: 'weather_forecast', call_id: 'call_1', is_error: false },
    ]);
    // The scripted answer is a result object, which a replay client delivers whole (no chunks).
    expect(items.filter((m) => m.type === 'ModelClientStreamingChunkEvent')).toEqual([]);
    expect(result.messages.at(-1)).toMatchObject({
      content: 'The forecast for Paris is sunny. TERMINATE',
      models_usage: { prompt_tokens: 50, completion_tokens: 20 },
    });
    expect(result.messages[1]!.models_usage).toEqual({ prompt_tokens: 40, completion_tokens: 12 });
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('round-robin-replay: streamed chunks, then the message they belong to', async () => {
    const { items, result } = await runFixture('round-robin-replay', 'What is the answer?');
    const chunks = items.filter((m) => m.type === 'ModelClientStreamingChunkEvent');
    expect(chunks.map((c) => c.content)).toEqual(['The ', 'answer ', 'is ', '42 ', '. ', 'TERMINATE']);
    const final = result.messages.at(-1)!;
    expect(final).toMatchObject({ type: 'TextMessage', content: 'The answer is 42 . TERMINATE' });
    for (const chunk of chunks) expect(chunk).toMatchObject({ full_message_id: final.id });
    expect(items.indexOf(final)).toBe(items.length - 1);
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('selector: planner, then writer, after two selector calls', async () => {
    const team = loadTeam(readFixture('selector'), fixtureLoadContext());
    const { sequence, result } = await runTeam(team, 'Write a haiku.');
    expect(sequence).toEqual(['TextMessage:user', 'TextMessage:planner', 'TextMessage:writer']);
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
  });

  it('swarm-handoffs: two hand-offs and a tool call, ending on the hand-off to the user', async () => {
    const { sequence, result } = await runFixture('swarm-handoffs', 'I want to buy a rocket-powered unicycle.');
    expect(sequence).toEqual([
      'TextMessage:user',
      'ToolCallRequestEvent:triage_agent',
      'ToolCallExecutionEvent:triage_agent',
      'HandoffMessage:triage_agent',
      'ToolCallRequestEvent:sales_agent',
      'ToolCallExecutionEvent:sales_agent',
      'ToolCallSummaryMessage:sales_agent',
      'ToolCallRequestEvent:sales_agent',
      'ToolCallExecutionEvent:sales_agent',
      'HandoffMessage:sales_agent',
    ]);
    expect(result.messages[3]).toMatchObject({ target: 'sales_agent' });
    expect(result.messages[6]).toMatchObject({ content: 'Order placed for rocket-powered unicycle at $800.' });
    expect(result.messages[9]).toMatchObject({ target: 'user', content: 'Transferred to user, adopting the role of user immediately.' });
    expect(result.stop_reason).toBe('Handoff to user from sales_agent detected.');
  });

  it('human-in-the-loop: the assistant drafts, the human asks for changes, then approves', async () => {
    const io = new ScriptedIOStream(['Make it shorter', 'APPROVE']);
    const { sequence, result } = await runFixture('human-in-the-loop', 'Write a poem about the sea.', { io });
    expect(sequence).toEqual([
      'TextMessage:user',
      'TextMessage:assistant_agent',
      'UserInputRequestedEvent:user_proxy',
      'TextMessage:user_proxy',
      'TextMessage:assistant_agent',
      'UserInputRequestedEvent:user_proxy',
      'TextMessage:user_proxy',
    ]);
    expect(io.requests.map((r) => [r.prompt, r.source])).toEqual([
      ['Enter your response: ', 'user_proxy'],
      ['Enter your response: ', 'user_proxy'],
    ]);
    const requestIds = result.messages.flatMap((m) => (m.type === 'UserInputRequestedEvent' ? [m.request_id] : []));
    expect(io.requests.map((r) => r.requestId)).toEqual(requestIds);
    expect(result.stop_reason).toBe("Text 'APPROVE' mentioned");
  });

  it('human-in-the-loop: stopping while input is awaited throws CancelledError with the reason', async () => {
    const controller = new AbortController();
    const io = new ScriptedIOStream();
    const team = loadTeam(readFixture('human-in-the-loop'), fixtureLoadContext());
    const run = runTeam(team, 'Write a poem.', { io, signal: controller.signal });
    await expect.poll(() => io.requests.length, { timeout: 2_000 }).toBe(1);
    await expect(team.run('again')).rejects.toThrow(RunStateError);
    controller.abort('User requested stop/cancellation');
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).reason).toBe('User requested stop/cancellation');
  });

  it('openai-assistant: runs end to end against a local Chat Completions server', async () => {
    const server = await startChatCompletionsServer([
      { type: 'tool_calls', calls: [{ id: 'call_c', name: 'calculator', arguments: '{"a":2,"b":2,"operator":"+"}' }] },
      { type: 'text', text: 'It is 4. TERMINATE', usage: { prompt_tokens: 30, completion_tokens: 6 } },
    ]);
    try {
      const fixture = readFixture('openai-assistant');
      const pointed = JSON.parse(JSON.stringify(fixture).replace('http://127.0.0.1:11435/v1', server.baseUrl)) as unknown;
      const { sequence, items, result } = await runTeam(loadTeam(pointed, fixtureLoadContext()), 'What is 2 + 2?');
      expect(sequence).toEqual([
        'TextMessage:user',
        'ToolCallRequestEvent:assistant_agent',
        'ToolCallExecutionEvent:assistant_agent',
        'TextMessage:assistant_agent',
      ]);
      expect(items.find((m) => m.type === 'ToolCallExecutionEvent')?.content).toMatchObject([{ content: '4', is_error: false }]);
      const chunks = items.filter((m) => m.type === 'ModelClientStreamingChunkEvent');
      expect(chunks.map((c) => c.content).join('')).toBe('It is 4. TERMINATE');
      expect(result.messages.at(-1)).toMatchObject({ content: 'It is 4. TERMINATE', models_usage: { prompt_tokens: 30, completion_tokens: 6 } });
      expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
      expect((server.requests[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['calculator']);
    } finally {
      await server.close();
    }
  });
});

describe('loading errors', () => {
  it('an unknown provider is a ConfigError naming its JSON path', () => {
    const fixture = readFixture('selector');
    const participants = (fixture.config as { participants: { config: Record<string, unknown> }[] }).participants;
    participants[1]!.config.model_client = { provider: 'foo.Bar', config: {} };
    expect(() => loadTeam(fixture, fixtureLoadContext())).toThrow('config.participants[1].config.model_client: unknown provider "foo.Bar"');
  });

  it('a FunctionTool naming no registered tool is refused, saying how to register one', () => {
    const fixture = readFixture('swarm-handoffs');
    let error: unknown;
    try {
      loadTeam(fixture, { tools: new ToolRegistry(builtinTools()) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { path, message } = error as ConfigError;
    expect(path).toBe('config.participants[1].config.workbench[0].config.tools[0]');
    expect(message).toContain('"execute_order"');
    expect(message).toContain('TOOLS_DIR');
    expect(message).toContain('never run');
  });
});
