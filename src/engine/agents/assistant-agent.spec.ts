import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { createMessage, type AgentMessage, type ChatMessage } from '../messages.js';
import { tool } from '../tools/tool.js';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
import { AssistantAgent } from './assistant-agent.js';
import { isResponse, type AgentStreamItem, type Response } from './chat-agent.js';
import { BufferedChatCompletionContext } from './model-context.js';

const task = (content: string): ChatMessage[] => [createMessage('TextMessage', 'user', { content })];

async function turn(agent: AssistantAgent, messages: ChatMessage[], signal = new AbortController().signal) {
  const items: AgentStreamItem[] = [];
  for await (const item of agent.onMessagesStream(messages, { signal })) items.push(item);
  const response = items.at(-1) as Response;
  expect(isResponse(response)).toBe(true);
  return { events: items.slice(0, -1) as AgentMessage[], response, message: response.chat_message };
}

const echo = tool({
  name: 'echo',
  description: 'Echoes.',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => `echo: ${text}`,
});
const broken = tool({
  name: 'broken',
  description: 'Always fails.',
  parameters: z.object({}),
  execute: () => {
    throw new Error('disk on fire');
  },
});

describe(AssistantAgent.name, () => {
  it('answers with a TextMessage carrying the call’s usage, after its system message', async () => {
    const model = new RecordingReplayClient(['hello there']);
    const agent = new AssistantAgent({ name: 'a', modelClient: model, systemMessage: 'Be brief.' });
    const { events, message } = await turn(agent, task('hi'));
    expect(events).toEqual([]);
    expect(message).toMatchObject({ type: 'TextMessage', source: 'a', content: 'hello there' });
    expect(message.models_usage).toEqual({ prompt_tokens: 3, completion_tokens: 2 });
    expect(model.calls[0]!.messages).toEqual([
      { type: 'SystemMessage', content: 'Be brief.' },
      { type: 'UserMessage', content: 'hi', source: 'user' },
    ]);
  });

  it('streams one chunk per delta, tagged with the final message’s id', async () => {
    const agent = new AssistantAgent({ name: 'a', modelClient: new RecordingReplayClient(['a b c']), modelClientStream: true });
    const { events, message } = await turn(agent, task('go'));
    expect(events.map((e) => e.type)).toEqual(Array(3).fill('ModelClientStreamingChunkEvent'));
    expect(events.map((e) => e.content)).toEqual(['a ', 'b ', 'c']);
    for (const e of events) expect(e).toMatchObject({ full_message_id: message.id });
  });

  it('runs several tool calls concurrently and summarises them with the format', async () => {
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = (name: string) =>
      tool({
        name,
        description: name,
        parameters: z.object({ n: z.number() }),
        execute: async ({ n }) => {
          started.push(name);
          if (started.length === 2) release();
          await gate;
          return n * 2;
        },
      });
    const agent = new AssistantAgent({
      name: 'a',
      modelClient: new RecordingReplayClient([toolCalls(['one', { n: 1 }], ['two', { n: 2 }])]),
      tools: [slow('one'), slow('two')],
      toolCallSummaryFormat: '{tool_name}({arguments}) = {result}',
    });
    const { events, message } = await turn(agent, task('go'));
    expect(events.map((e) => e.type)).toEqual(['ToolCallRequestEvent', 'ToolCallExecutionEvent']);
    expect(events[0]!.models_usage).toEqual({ prompt_tokens: 10, completion_tokens: 3 });
    expect(message.type).toBe('ToolCallSummaryMessage');
    expect(message.content).toBe('one({"n":1}) = 2\ntwo({"n":2}) = 4');
    expect(message.models_usage).toBeNull();
  });

  it('turns a failing tool, bad arguments and an unknown tool into is_error results and goes on', async () => {
    const agent = new AssistantAgent({
      name: 'a',
      modelClient: new RecordingReplayClient([toolCalls(['broken', {}], ['echo', { text: 3 }], ['nope', {}]), 'sorry, that failed']),
      tools: [broken, echo],
      maxToolIterations: 2,
    });
    const { events, message } = await turn(agent, task('go'));
    const execution = events.find((e) => e.type === 'ToolCallExecutionEvent')!;
    expect(execution.type === 'ToolCallExecutionEvent' && execution.content.map((r) => [r.name, r.is_error])).toEqual([
      ['broken', true],
      ['echo', true],
      ['nope', true],
    ]);
    expect(message.content).toBe('sorry, that failed');
  });

  it('loops up to max_tool_iterations, then reflects on the results', async () => {
    const model = new RecordingReplayClient([toolCalls(['echo', { text: 'x' }]), toolCalls(['echo', { text: 'y' }]), 'Both echoed.']);
    const agent = new AssistantAgent({ name: 'a', modelClient: model, tools: [echo], maxToolIterations: 2, reflectOnToolUse: true });
    const { events, message } = await turn(agent, task('go'));
    expect(events.map((e) => e.type)).toEqual(['ToolCallRequestEvent', 'ToolCallExecutionEvent', 'ToolCallRequestEvent', 'ToolCallExecutionEvent']);
    expect(message).toMatchObject({ type: 'TextMessage', content: 'Both echoed.' });
    expect(model.calls.map((c) => c.toolNames)).toEqual([['echo'], ['echo'], []]);
    expect(model.calls[2]!.messages.at(-1)).toMatchObject({ type: 'FunctionExecutionResultMessage' });
  });

  it('hands off through a transfer_to tool, after running the other tools of the same response', async () => {
    const model = new RecordingReplayClient([toolCalls(['echo', { text: 'x' }], ['transfer_to_sales', {}])]);
    const agent = new AssistantAgent({
      name: 'a',
      modelClient: model,
      tools: [echo],
      handoffs: ['sales', { target: 'user', message: 'Over to you.' }],
    });
    const { events, message } = await turn(agent, task('go'));
    expect(model.calls[0]!.toolNames).toEqual(['echo', 'transfer_to_sales', 'transfer_to_user']);
    const execution = events[1]!;
    expect(execution.type === 'ToolCallExecutionEvent' && execution.content.map((r) => r.content)).toEqual([
      'echo: x',
      'Transferred to sales, adopting the role of sales immediately.',
    ]);
    expect(message).toMatchObject({
      type: 'HandoffMessage',
      target: 'sales',
      content: 'Transferred to sales, adopting the role of sales immediately.',
      // AgentChat: the hand-off carries the step's other tool calls and their results.
      context: [
        { type: 'AssistantMessage', source: 'a', content: [{ id: 'call_1_echo', name: 'echo', arguments: '{"text":"x"}' }] },
        { type: 'FunctionExecutionResultMessage', content: [{ call_id: 'call_1_echo', content: 'echo: x', is_error: false, name: 'echo' }] },
      ],
    });
    expect(agent.handoffTargets).toEqual(['sales', 'user']);
  });

  it('reports the model’s thought as a ThoughtEvent', async () => {
    const model = new RecordingReplayClient([
      { finish_reason: 'stop', content: 'done', usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false, thought: 'hmm' },
    ]);
    const { events } = await turn(new AssistantAgent({ name: 'a', modelClient: model }), task('go'));
    expect(events).toMatchObject([{ type: 'ThoughtEvent', content: 'hmm' }]);
  });

  it('remembers the conversation, and a buffered context sends only the last messages', async () => {
    const model = new RecordingReplayClient(['one', 'two']);
    const agent = new AssistantAgent({
      name: 'a',
      modelClient: model,
      systemMessage: null,
      modelContext: new BufferedChatCompletionContext(2),
    });
    await turn(agent, task('first'));
    await turn(agent, task('second'));
    expect(model.calls[1]!.messages).toEqual([
      { type: 'AssistantMessage', content: 'one', source: 'a', thought: undefined },
      { type: 'UserMessage', content: 'second', source: 'user' },
    ]);
    await agent.reset();
  });

  it('passes the signal on: an aborted turn rejects', async () => {
    const controller = new AbortController();
    controller.abort('stop now');
    const agent = new AssistantAgent({ name: 'a', modelClient: new RecordingReplayClient(['x']) });
    await expect(turn(agent, task('go'), controller.signal)).rejects.toThrow('stop now');
  });

  it('refuses names that are not identifiers and max_tool_iterations below 1', () => {
    const modelClient = new RecordingReplayClient([]);
    expect(() => new AssistantAgent({ name: 'my agent', modelClient })).toThrow(ConfigError);
    expect(() => new AssistantAgent({ name: 'a', modelClient, maxToolIterations: 0 })).toThrow(/max_tool_iterations/);
  });

  it('closes its model client', async () => {
    const model = new RecordingReplayClient([]);
    await new AssistantAgent({ name: 'a', modelClient: model }).close();
    expect(model.closed).toBe(true);
  });
});
