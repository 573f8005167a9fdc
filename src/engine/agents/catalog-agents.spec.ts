/**
 * SocietyOfMindAgent, MessageFilterAgent, AgentTool and TeamTool. Expected values are AgentChat's
 * behaviour (autogen_agentchat.agents._society_of_mind_agent, _message_filter_agent,
 * autogen_agentchat.tools._task_runner_tool), each also loaded from the config AgentChat dumps
 * and dumped back the same.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent, loadTeam } from '../components/loader.js';
import { createMessage, messageToText, type TaskResult } from '../messages.js';
import { RoundRobinGroupChat } from '../teams/round-robin-group-chat.js';
import { isTaskResult, type Team } from '../teams/team.js';
import {
  assistant,
  component,
  RecordingReplayClient,
  replayModel,
  roundRobin,
  textMention,
  unboundedContext,
} from '../../../test/support/engine/catalog-configs.js';
import { fixtureLoadContext } from '../../../test/support/engine/fixtures.js';
import { AssistantAgent } from './assistant-agent.js';
import { MessageFilterAgent } from './message-filter-agent.js';
import { SOM_DEFAULT_INSTRUCTION, SOM_DEFAULT_RESPONSE_PROMPT, SocietyOfMindAgent } from './society-of-mind-agent.js';
import { AgentTool } from './task-runner-tools.js';

async function run(team: Team, task: string): Promise<{ sequence: string[]; result: TaskResult }> {
  const sequence: string[] = [];
  let result: TaskResult | undefined;
  for await (const item of team.runStream(task)) {
    if (isTaskResult(item)) result = item;
    else sequence.push(`${item.source}:${messageToText(item)}`);
  }
  return { sequence, result: result! };
}

const signal = new AbortController().signal;

describe('SocietyOfMindAgent (AgentChat)', () => {
  function society(summarizer: RecordingReplayClient, writer: RecordingReplayClient) {
    const inner = new RoundRobinGroupChat({
      participants: [
        new AssistantAgent({ name: 'writer', modelClient: writer, systemMessage: 'Write.' }),
        new AssistantAgent({ name: 'editor', modelClient: new RecordingReplayClient(['Make it shorter.', 'Good.']), systemMessage: 'Edit.' }),
      ],
      maxTurns: 2,
    });
    return new SocietyOfMindAgent({ name: 'society', team: inner, modelClient: summarizer });
  }

  it('streams the inner team, then answers from its transcript framed by the instruction and the response prompt', async () => {
    const summarizer = new RecordingReplayClient(['A slogan: Sea you soon.', 'Second answer.']);
    const writer = new RecordingReplayClient(['Sea you soon, a long slogan.', 'Sea you.']);
    const outer = new RoundRobinGroupChat({ participants: [society(summarizer, writer)], maxTurns: 1 });
    const { sequence, result } = await run(outer, 'Write a slogan.');
    expect(sequence).toEqual([
      'user:Write a slogan.',
      'writer:Sea you soon, a long slogan.',
      'editor:Make it shorter.',
      'society:A slogan: Sea you soon.',
    ]);
    // The model does not take several system messages, so instruction and prompt come as user messages from `user`.
    expect(summarizer.requests[0]).toEqual([
      { type: 'UserMessage', content: SOM_DEFAULT_INSTRUCTION, source: 'user' },
      { type: 'UserMessage', content: 'Sea you soon, a long slogan.', source: 'writer' },
      { type: 'UserMessage', content: 'Make it shorter.', source: 'editor' },
      { type: 'UserMessage', content: SOM_DEFAULT_RESPONSE_PROMPT, source: 'user' },
    ]);
    // Only the answer counts for the outer team (AgentChat's Response has no inner_messages).
    expect(result.stop_reason).toBe('Maximum number of turns 1 reached.');
  });

  it('resets the inner team after each turn and gives it what it heard before as a "relevant previous messages" hand-off', async () => {
    const summarizer = new RecordingReplayClient(['First.', 'Second.']);
    const writer = new RecordingReplayClient(['one', 'two']);
    const agent = society(summarizer, writer);
    const turn = async (text: string) => {
      for await (const item of agent.onMessagesStream([createMessage('TextMessage', 'user', { content: text })], { signal })) void item;
    };
    await turn('First task.');
    await turn('Second task.');
    // The writer starts fresh (inner team reset), receiving the previous task as the hand-off's context.
    expect(writer.requests[1]).toEqual([
      { type: 'SystemMessage', content: 'Write.' },
      { type: 'UserMessage', content: 'First task.', source: 'user' },
      { type: 'UserMessage', content: 'relevant previous messages', source: 'society' },
      { type: 'UserMessage', content: 'Second task.', source: 'user' },
    ]);
  });

  it('says "No response." when the inner team said nothing (its condition met by the task)', async () => {
    const inner = loadTeam(roundRobin([assistant('a', [])], { termination_condition: textMention('Hello') }), fixtureLoadContext());
    const agent = new SocietyOfMindAgent({ name: 'society', team: inner, modelClient: new RecordingReplayClient([]) });
    const items = [];
    for await (const item of agent.onMessagesStream([createMessage('TextMessage', 'user', { content: 'Hello' })], { signal })) items.push(item);
    expect(items).toEqual([
      { type: 'Response', chat_message: expect.objectContaining({ content: 'No response.', source: 'society' }), inner_messages: [] },
    ]);
  });

  it('loads from the config AgentChat dumps and dumps it back', () => {
    const config = component('autogen_agentchat.agents.SocietyOfMindAgent', 'agent', {
      name: 'society',
      team: roundRobin([assistant('writer', ['w'])], { max_turns: 1 }),
      model_client: replayModel(['answer']),
      description: 'An agent that uses an inner team of agents to generate responses.',
      instruction: SOM_DEFAULT_INSTRUCTION,
      response_prompt: SOM_DEFAULT_RESPONSE_PROMPT,
      model_context: unboundedContext(),
    });
    expect(dumpComponent(loadComponent(config, fixtureLoadContext(), 'agent'))).toEqual(config);
  });

  it('saves its inner team state as a SocietyOfMindAgentState', async () => {
    const agent = society(new RecordingReplayClient(['x']), new RecordingReplayClient(['y']));
    const state = await agent.saveState();
    expect(state).toMatchObject({ type: 'SocietyOfMindAgentState', inner_team_state: { type: 'TeamState' } });
    await agent.loadState(state);
  });
});

describe('MessageFilterAgent (AgentChat)', () => {
  it('passes per source the first / last N messages, in the order of its filters, dropping other sources', async () => {
    const model = new RecordingReplayClient(['done']);
    const inner = new AssistantAgent({ name: 'B', modelClient: model, systemMessage: null });
    const agent = new MessageFilterAgent('B', inner, {
      per_source: [{ source: 'user', position: 'first', count: 1 }, { source: 'A', position: 'last', count: 2 }, { source: 'C' }],
    });
    expect(agent.description).toBe('An agent that provides assistance with ability to use tools. (with message filtering)');
    const said = (source: string, content: string) => createMessage('TextMessage', source, { content });
    for await (const item of agent.onMessagesStream(
      [said('user', 'u1'), said('A', 'a1'), said('C', 'c1'), said('user', 'u2'), said('A', 'a2'), said('X', 'x1'), said('A', 'a3'), said('C', 'c2')],
      { signal },
    ))
      void item;
    expect(model.requests[0]!.map((m) => m.content)).toEqual(['u1', 'a2', 'a3', 'c1', 'c2']);
  });

  it('loads from the config AgentChat dumps and dumps it back', () => {
    const config = component('autogen_agentchat.agents.MessageFilterAgent', 'agent', {
      name: 'B',
      wrapped_agent: assistant('B', ['ok']),
      filter: {
        per_source: [
          { source: 'user', position: 'first', count: 1 },
          { source: 'A', position: null, count: null },
        ],
      },
    });
    expect(dumpComponent(loadComponent(config, fixtureLoadContext(), 'agent'))).toEqual(config);
  });
});

describe('AgentTool and TeamTool (AgentChat autogen_agentchat.tools)', () => {
  it('AgentTool runs the agent on the task; the result is every message not from user as "source: text"', async () => {
    const tool = loadComponent(
      component('autogen_agentchat.tools.AgentTool', 'tool', {
        agent: assistant('writer', ['A poem about the sea.']),
        return_value_as_last_message: false,
      }),
      fixtureLoadContext(),
      'tool',
    );
    expect(tool.schema).toEqual({
      name: 'writer',
      description: 'The writer agent.',
      parameters: {
        type: 'object',
        properties: { task: { description: 'The task to be executed.', title: 'Task', type: 'string' } },
        required: ['task'],
        additionalProperties: false,
      },
      strict: true,
    });
    expect(await tool.run({ task: 'Write a poem.' }, { signal })).toEqual({ content: 'writer: A poem about the sea.', isError: false });
  });

  it('TeamTool runs the team; with return_value_as_last_message the result is the last message only', async () => {
    const team = () => roundRobin([assistant('writer', ['draft']), assistant('editor', ['final'])], { max_turns: 2 });
    const config = (last: boolean) =>
      component('autogen_agentchat.tools.TeamTool', 'tool', {
        name: 'writing_team',
        description: 'Writes.',
        team: team(),
        return_value_as_last_message: last,
      });
    const all = loadComponent(config(false), fixtureLoadContext(), 'tool');
    expect(await all.run({ task: 'Write.' }, { signal })).toEqual({ content: 'writer: draft\n\neditor: final', isError: false });
    const last = loadComponent(config(true), fixtureLoadContext(), 'tool');
    expect(await last.run({ task: 'Write.' }, { signal })).toEqual({ content: 'final', isError: false });
    expect(dumpComponent(last)).toEqual(config(true));
  });

  it('an AssistantAgent calls an AgentTool like any tool', async () => {
    const inner = new AssistantAgent({ name: 'writer', modelClient: new RecordingReplayClient(['Waves.']) });
    const main = new AssistantAgent({
      name: 'main',
      modelClient: new RecordingReplayClient([
        {
          finish_reason: 'function_calls',
          content: [{ id: 'c1', name: 'writer', arguments: '{"task":"Write."}' }],
          usage: { prompt_tokens: 1, completion_tokens: 1 },
          cached: false,
        },
      ]),
      tools: [new AgentTool(inner)],
    });
    const { result } = await run(new RoundRobinGroupChat({ participants: [main], maxTurns: 1 }), 'Poem please.');
    expect(result.messages.at(-1)).toMatchObject({ type: 'ToolCallSummaryMessage', content: 'writer: Waves.' });
  });

  it('AgentTool round-trips and a bad argument is an error result', async () => {
    const config = component('autogen_agentchat.tools.AgentTool', 'tool', { agent: assistant('writer', ['x']), return_value_as_last_message: true });
    const tool = loadComponent(config, fixtureLoadContext(), 'tool') as AgentTool;
    expect(dumpComponent(tool)).toEqual(config);
    expect(await tool.run({ task: 3 }, { signal })).toMatchObject({ isError: true });
  });

  it('a TeamTool team is loaded by loadTeam as well (AgentChat: BaseGroupChat.load_component)', () => {
    expect(loadTeam(roundRobin([assistant('writer', ['x'])]), fixtureLoadContext()).name).toBe('RoundRobinGroupChat');
  });
});
