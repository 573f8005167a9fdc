/**
 * The assistant agent's LLM call events (AGS's LLMCallEventMessage, shown when the run owner's
 * `show_llm_call_events` is on): one per model call, after the call, with AgentChat's LLMCall
 * JSON (the request messages and the response); none when the option is off.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RecordingReplayClient, toolCalls } from '../../../test/support/engine/recording-client.js';
import { createMessage, type AgentMessage } from '../messages.js';
import { tool } from '../tools/tool.js';
import { AssistantAgent } from './assistant-agent.js';
import type { AgentStreamItem } from './chat-agent.js';

const echo = tool({ name: 'echo', description: 'Echoes.', parameters: z.object({ text: z.string() }), execute: ({ text }) => `echo: ${text}` });

async function events(agent: AssistantAgent): Promise<AgentMessage[]> {
  const items: AgentStreamItem[] = [];
  for await (const item of agent.onMessagesStream([createMessage('TextMessage', 'user', { content: 'hi' })], {
    signal: new AbortController().signal,
  })) {
    items.push(item);
  }
  return items.filter((i): i is AgentMessage => i.type !== 'Response');
}

describe('AssistantAgent LLM call events', () => {
  it('with llmCallEvents: one LLMCallEventMessage per model call, request messages and response', async () => {
    const model = new RecordingReplayClient([toolCalls(['echo', { text: 'x' }]), 'done']);
    const agent = new AssistantAgent({
      name: 'a',
      modelClient: model,
      systemMessage: 'Be brief.',
      tools: [echo],
      reflectOnToolUse: true,
      llmCallEvents: true,
    });
    const seen = await events(agent);
    expect(seen.map((m) => m.type)).toEqual(['LLMCallEventMessage', 'ToolCallRequestEvent', 'ToolCallExecutionEvent', 'LLMCallEventMessage']);
    const [first, second] = seen.filter((m) => m.type === 'LLMCallEventMessage').map((m) => JSON.parse(m.content as string));
    expect(seen[0]!.source).toBe('llm_call_event');
    expect(first).toEqual({
      type: 'LLMCall',
      messages: [
        { type: 'SystemMessage', content: 'Be brief.' },
        { type: 'UserMessage', content: 'hi', source: 'user' },
      ],
      response: expect.objectContaining({ finish_reason: 'function_calls', content: [expect.objectContaining({ name: 'echo' })] }),
      prompt_tokens: 10,
      completion_tokens: 3,
      agent_id: 'a',
    });
    // The second call's request carries the tool call and its result.
    expect(second.messages.map((m: { type: string }) => m.type)).toEqual([
      'SystemMessage',
      'UserMessage',
      'AssistantMessage',
      'FunctionExecutionResultMessage',
    ]);
    expect(second.response.content).toBe('done');
  });

  it('without it: no LLMCallEventMessage', async () => {
    const agent = new AssistantAgent({ name: 'a', modelClient: new RecordingReplayClient(['done']) });
    expect((await events(agent)).some((m) => m.type === 'LLMCallEventMessage')).toBe(false);
  });
});
