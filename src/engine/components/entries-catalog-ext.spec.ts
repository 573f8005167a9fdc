/**
 * The catalogue fixtures (test/fixtures/teams/catalog-ext-*.json) run as AGS would run them.
 * Expected values are AgentChat's behaviour: with emit_team_events the manager's
 * SelectSpeakerEvent comes before each turn; an AssistantAgent with memory emits a
 * MemoryQueryEvent before its model call; FunctionCallTermination stops the run with
 * `Function 'calculator' was executed.`; Ollama usage is prompt_eval_count / eval_count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOllamaServer, type OllamaServer } from '../../../test/fakes/ollama-server.js';
import { fixtureLoadContext, readFixture } from '../../../test/support/engine/fixtures.js';
import { EgressPolicy } from '../egress/index.js';
import type { AgentMessage, TaskResult } from '../messages.js';
import { isTaskResult, type Team } from '../teams/team.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { builtinTools } from '../tools/builtins.js';
import { dumpComponent } from './dump.js';
import { loadTeam } from './loader.js';

async function run(team: Team, task: string): Promise<{ items: AgentMessage[]; result: TaskResult }> {
  const items: AgentMessage[] = [];
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task)) {
    if (isTaskResult(item)) result = item;
    else items.push(item);
  }
  return { items, result: result! };
}

let ollama: OllamaServer | undefined;
afterEach(async () => {
  await ollama?.close();
  ollama = undefined;
});

/** The Ollama fixture, pointed at the fake server. */
function ollamaFixture(host: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(readFixture('catalog-ext-ollama')).replaceAll('http://127.0.0.1:11434', host)) as Record<string, unknown>;
}

describe('catalog-ext fixtures', () => {
  it('memory + cache + head-and-tail: team event, memory event, tool call, then FunctionCallTermination', async () => {
    const { items, result } = await run(loadTeam(readFixture('catalog-ext-memory-cache'), fixtureLoadContext()), 'What is 6 times 7?');
    expect(items.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'SelectSpeakerEvent:RoundRobinGroupChatManager',
      'MemoryQueryEvent:assistant',
      'ToolCallRequestEvent:assistant',
      'ToolCallExecutionEvent:assistant',
      'ToolCallSummaryMessage:assistant',
    ]);
    expect(items[1]).toMatchObject({ content: ['assistant'] });
    expect(items[2]).toMatchObject({ content: [{ content: 'The user wants answers in metric units.', mime_type: 'text/plain' }] });
    expect(items[5]).toMatchObject({ content: '42' });
    expect(result.stop_reason).toBe("Function 'calculator' was executed.");
    expect(result.messages.map((m) => m.type)).toEqual(items.map((m) => m.type));
  });

  it('Ollama + token-limited context: streamed tool call, reflection, usage from Ollama’s counts', async () => {
    ollama = await startOllamaServer([
      { type: 'tool_calls', calls: [{ name: 'weather_forecast', arguments: { city: 'Paris' } }], promptEvalCount: 80, evalCount: 15 },
      { type: 'text', text: 'It is sunny in Paris. TERMINATE', promptEvalCount: 120, evalCount: 9 },
    ]);
    const team = loadTeam(ollamaFixture(ollama.host), fixtureLoadContext());
    const { items, result } = await run(team, 'Weather in Paris?');
    const said = items.filter((m) => m.type !== 'ModelClientStreamingChunkEvent');
    expect(said.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'ToolCallRequestEvent:local_assistant',
      'ToolCallExecutionEvent:local_assistant',
      'TextMessage:local_assistant',
    ]);
    expect(said[2]).toMatchObject({ content: [{ content: 'The weather forecast for Paris is sunny.', name: 'weather_forecast', is_error: false }] });
    expect(said[3]).toMatchObject({ content: 'It is sunny in Paris. TERMINATE', models_usage: { prompt_tokens: 120, completion_tokens: 9 } });
    expect(
      items
        .filter((m) => m.type === 'ModelClientStreamingChunkEvent')
        .map((m) => m.content)
        .join(''),
    ).toBe('It is sunny in Paris. TERMINATE');
    expect(result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    // The second request carries the call and its result in Ollama's form, options as configured.
    expect(ollama.requests[1]!.body).toMatchObject({
      model: 'llama3.1:8b',
      options: { temperature: 0 },
      stream: true,
      messages: [
        { role: 'system', content: 'You are a helpful assistant. Reply with TERMINATE when done.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', tool_calls: [{ function: { name: 'weather_forecast', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: 'The weather forecast for Paris is sunny.' },
      ],
    });
  });

  it('the Ollama fixture under the default egress policy: the run fails with the refusal, nothing reaches the server', async () => {
    ollama = await startOllamaServer([{ type: 'text', text: 'never' }]);
    const team = loadTeam(ollamaFixture(ollama.host), { tools: new ToolRegistry(builtinTools()), credentials: {}, egress: new EgressPolicy() });
    await expect(run(team, 'hi')).rejects.toThrow(/Refused by the egress policy: .*loopback/);
    expect(ollama.requests).toHaveLength(0);
  });

  it('a streaming selector with emit_team_events: SelectorEvent, then SelectSpeakerEvent (AgentChat’s order; chunks not forwarded)', async () => {
    const replay = (entries: string[]) => ({
      provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
      config: { chat_completions: entries },
    });
    const agent = (name: string, reply: string) => ({
      provider: 'autogen_agentchat.agents.AssistantAgent',
      config: { name, description: `The ${name}.`, model_client: replay([reply]) },
    });
    const config = {
      provider: 'autogen_agentchat.teams.SelectorGroupChat',
      config: {
        participants: [agent('writer', 'A draft.'), agent('editor', 'Edited.')],
        model_client: replay(['writer please', 'editor']),
        max_turns: 2,
        emit_team_events: true,
        model_client_streaming: true,
      },
    };
    const team = loadTeam(config, fixtureLoadContext());
    expect(dumpComponent(team).config).toMatchObject({ emit_team_events: true, model_client_streaming: true });
    const { items, result } = await run(team, 'Write.');
    expect(items.map((m) => `${m.type}:${m.source}`)).toEqual([
      'TextMessage:user',
      'SelectorEvent:SelectorGroupChatManager',
      'SelectSpeakerEvent:SelectorGroupChatManager',
      'TextMessage:writer',
      'SelectSpeakerEvent:SelectorGroupChatManager',
      'TextMessage:editor',
    ]);
    expect(items[1]).toMatchObject({ content: 'writer please' });
    // The events are part of the result, as in AgentChat's TaskResult.
    expect(result.messages.map((m) => m.type)).toEqual(items.map((m) => m.type));
  });
});
