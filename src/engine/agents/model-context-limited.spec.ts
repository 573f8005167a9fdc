/**
 * HeadAndTailChatCompletionContext and TokenLimitedChatCompletionContext. Expected values are
 * AgentChat's (autogen_core.model_context): the `Skipped N messages.` user message from `System`,
 * N counting the messages between head and tail; tool-call/result pairs never split; the
 * token-limited context dropping the middle message until the rest fits.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { ConfigError } from '../errors.js';
import type { LLMMessage } from '../models/model-client.js';
import { ReplayChatCompletionClient } from '../models/replay-client.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { HeadAndTailChatCompletionContext, TokenLimitedChatCompletionContext, approximateTokens } from './model-context-limited.js';

const user = (content: string): LLMMessage => ({ type: 'UserMessage', content, source: 'user' });
const said = (content: string): LLMMessage => ({ type: 'AssistantMessage', content, source: 'a' });
const call: LLMMessage = { type: 'AssistantMessage', content: [{ id: '1', name: 'f', arguments: '{}' }], source: 'a' };
const result: LLMMessage = { type: 'FunctionExecutionResultMessage', content: [{ content: 'r', name: 'f', call_id: '1', is_error: false }] };
const ctx = { tools: new ToolRegistry([]), credentials: {} };

describe(HeadAndTailChatCompletionContext.name, () => {
  it('sends everything while head + tail covers it', () => {
    const c = new HeadAndTailChatCompletionContext(2, 2);
    for (const m of [user('1'), said('2'), user('3'), said('4')]) c.addMessage(m);
    expect(c.getMessages()).toEqual([user('1'), said('2'), user('3'), said('4')]);
  });

  it('sends head, the placeholder AgentChat writes, and tail', () => {
    const c = new HeadAndTailChatCompletionContext(1, 2);
    for (const m of [user('1'), said('2'), user('3'), said('4'), user('5'), said('6')]) c.addMessage(m);
    expect(c.getMessages()).toEqual([user('1'), { type: 'UserMessage', content: 'Skipped 3 messages.', source: 'System' }, user('5'), said('6')]);
  });

  it('drops a head ending in tool calls and a tail starting with their results, counting as AgentChat does', () => {
    const c = new HeadAndTailChatCompletionContext(2, 2);
    for (const m of [user('1'), call, result, said('4'), user('5'), call, result, said('8')]) c.addMessage(m);
    // The window sizes, not what was trimmed, give N (8 - 2 - 2 = 4).
    expect(c.getMessages()).toEqual([user('1'), { type: 'UserMessage', content: 'Skipped 4 messages.', source: 'System' }, said('8')]);
  });

  it('refuses sizes below 1, and round-trips its config', () => {
    expect(() => new HeadAndTailChatCompletionContext(0, 1)).toThrow(ConfigError);
    const component = {
      provider: 'autogen_core.model_context.HeadAndTailChatCompletionContext',
      component_type: 'chat_completion_context',
      version: 1,
      component_version: 1,
      description: 'A chat completion context that keeps a view of the first n and last m messages.',
      label: 'HeadAndTailChatCompletionContext',
      config: { head_size: 3, tail_size: 20, initial_messages: [{ type: 'SystemMessage', content: 'Remember the user.' }] },
    };
    const loaded = loadComponent(component, ctx, 'chat_completion_context');
    expect(loaded.getMessages()).toEqual([{ type: 'SystemMessage', content: 'Remember the user.' }]);
    expect(dumpComponent(loaded)).toEqual(component);
  });
});

/** A client that counts one token per message (so limits are easy to read), recording each count. */
class CountingClient extends ReplayChatCompletionClient {
  counted: number[] = [];
  countTokens(messages: LLMMessage[]): number {
    this.counted.push(messages.length);
    return messages.length;
  }
}

describe(TokenLimitedChatCompletionContext.name, () => {
  it("drops the middle message until the rest fits, counting with the client's countTokens", () => {
    const client = new CountingClient([]);
    const c = new TokenLimitedChatCompletionContext(client, { tokenLimit: 3 });
    for (const m of [user('0'), said('1'), user('2'), said('3'), user('4')]) c.addMessage(m);
    // 5 → drop index 2 → [0,1,3,4] → drop index 2 → [0,1,4]
    expect(c.getMessages()).toEqual([user('0'), said('1'), user('4')]);
    expect(client.counted).toEqual([5, 4, 3]);
  });

  it('never starts with a tool result', () => {
    const c = new TokenLimitedChatCompletionContext(new CountingClient([]), { tokenLimit: 2 });
    for (const m of [user('0'), call, result, said('3')]) c.addMessage(m);
    // 4 → drop 2 (result) → [0, call, 3] → drop 1 (call) → [0, 3]
    expect(c.getMessages()).toEqual([user('0'), said('3')]);
    // Within the limit, a leading result still goes (its call is not there to answer).
    const d = new TokenLimitedChatCompletionContext(new CountingClient([]), { tokenLimit: 2 });
    for (const m of [result, said('1')]) d.addMessage(m);
    expect(d.getMessages()).toEqual([said('1')]);
  });

  it('estimates with approximateTokens (4 characters a token) for a client without countTokens', () => {
    const c = new TokenLimitedChatCompletionContext(new ReplayChatCompletionClient([]), { tokenLimit: 3 + 3 + 25 + 3 + 25 });
    const long = 'x'.repeat(100);
    for (const m of [user(long), said(long), user(long)]) c.addMessage(m);
    expect(approximateTokens([user(long)])).toBe(3 + 3 + 25);
    expect(c.countTokens([user(long), user(long)])).toBe(59);
    expect(c.getMessages()).toEqual([user(long), user(long)]);
  });

  it('needs token_limit when the client does not know its window; loads and dumps as AgentChat does', () => {
    expect(() => new TokenLimitedChatCompletionContext(new ReplayChatCompletionClient([]), { tokenLimit: null })).toThrow(/token_limit/);
    const replay = {
      provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
      component_type: 'model',
      version: 1,
      component_version: 1,
      description: '',
      label: 'ReplayChatCompletionClient',
      config: { chat_completions: ['hi'] },
    };
    const component = {
      provider: 'autogen_core.model_context.TokenLimitedChatCompletionContext',
      component_type: 'chat_completion_context',
      version: 1,
      component_version: 1,
      description: '',
      label: 'TokenLimitedChatCompletionContext',
      // AgentChat always dumps tool_schema (an empty list when none).
      config: { model_client: replay, token_limit: 1000, tool_schema: [] },
    };
    const loaded = loadComponent(component, ctx, 'chat_completion_context');
    expect(dumpComponent(loaded)).toEqual(component);
  });
});
