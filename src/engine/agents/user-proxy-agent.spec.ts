import { describe, expect, it } from 'vitest';
import { CancelledError, RunStateError } from '../errors.js';
import { withIOStream } from '../io/io-stream.js';
import { createMessage, type ChatMessage } from '../messages.js';
import { ScriptedIOStream } from '../../../test/support/engine/scripted-io.js';
import type { AgentStreamItem, Response } from './chat-agent.js';
import { UserProxyAgent } from './user-proxy-agent.js';

async function collect(stream: AsyncIterable<AgentStreamItem>): Promise<AgentStreamItem[]> {
  const items: AgentStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

const signal = () => new AbortController().signal;

describe(UserProxyAgent.name, () => {
  it('announces the request, asks the IOStream and answers with a TextMessage', async () => {
    const io = new ScriptedIOStream(['looks good']);
    const agent = new UserProxyAgent({ name: 'user_proxy' });
    const items = await collect(agent.onMessagesStream([], { signal: signal(), io }));
    expect(items[0]).toMatchObject({ type: 'UserInputRequestedEvent', source: 'user_proxy', content: '' });
    const requestId = items[0]!.type === 'UserInputRequestedEvent' ? items[0]!.request_id : '';
    expect(io.requests).toEqual([{ prompt: 'Enter your response: ', requestId, source: 'user_proxy' }]);
    expect((items[1] as Response).chat_message).toMatchObject({ type: 'TextMessage', source: 'user_proxy', content: 'looks good' });
  });

  it('after a hand-off to it, answers the sender with a HandoffMessage', async () => {
    const io = new ScriptedIOStream(['a blue one']);
    const handoff: ChatMessage = createMessage('HandoffMessage', 'sales_agent', { content: 'Over to you', target: 'user', context: [] });
    const items = await collect(new UserProxyAgent({ name: 'user' }).onMessagesStream([handoff], { signal: signal(), io }));
    expect(io.requests[0]!.prompt).toBe('Handoff received from sales_agent. Enter your response: ');
    expect((items.at(-1) as Response).chat_message).toMatchObject({ type: 'HandoffMessage', target: 'sales_agent', content: 'a blue one' });
  });

  it('falls back to the AsyncLocalStorage IOStream, and fails clearly with none', async () => {
    const agent = new UserProxyAgent({ name: 'u' });
    const items = await withIOStream(new ScriptedIOStream(['hi']), () => collect(agent.onMessagesStream([], { signal: signal() })));
    expect((items.at(-1) as Response).chat_message.content).toBe('hi');
    await expect(collect(agent.onMessagesStream([], { signal: signal() }))).rejects.toThrow(RunStateError);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const io = new ScriptedIOStream();
    const pending = collect(new UserProxyAgent({ name: 'u' }).onMessagesStream([], { signal: controller.signal, io }));
    await io.waiting();
    controller.abort('User requested stop');
    await expect(pending).rejects.toThrow(CancelledError);
  });
});
