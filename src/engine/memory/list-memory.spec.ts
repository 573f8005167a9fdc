/**
 * ListMemory on an AssistantAgent. Expected values are AgentChat's: ListMemory.update_context
 * adds one SystemMessage listing the memories (`\nRelevant memory content (in chronological
 * order):\n1. …\n`) after the new messages, and AssistantAgent emits a MemoryQueryEvent with
 * the memories, from the agent, before its model call; an empty memory adds nothing and emits nothing.
 */
import { describe, expect, it } from 'vitest';
import { RecordingReplayClient } from '../../../test/support/engine/recording-client.js';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { isResponse, type AgentStreamItem } from '../agents/chat-agent.js';
import { UnboundedChatCompletionContext } from '../agents/model-context.js';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { createMessage } from '../messages.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { DEFAULT_LIST_MEMORY_NAME, ListMemory } from './list-memory.js';

const ctx = { tools: new ToolRegistry([]), credentials: {} };
const MEMORY_TEXT = '\nRelevant memory content (in chronological order):\n1. User likes pizza.\n2. {"diet":"no cheese"}\n';

async function turn(agent: AssistantAgent, content: string): Promise<AgentStreamItem[]> {
  const items: AgentStreamItem[] = [];
  for await (const item of agent.onMessagesStream([createMessage('TextMessage', 'user', { content })], { signal: new AbortController().signal }))
    items.push(item);
  return items;
}

describe(ListMemory.name, () => {
  it('adds its contents to a context as one numbered system message, JSON as JSON', async () => {
    const memory = new ListMemory({ memoryContents: [{ content: 'User likes pizza.', mime_type: 'text/plain' }] });
    await memory.add({ content: { diet: 'no cheese' }, mime_type: 'application/json' });
    const context = new UnboundedChatCompletionContext();
    const { memories } = await memory.updateContext(context);
    // As AgentChat's MemoryQueryEvent carries them: metadata null when unset.
    expect(memories).toEqual([
      { content: 'User likes pizza.', mime_type: 'text/plain', metadata: null },
      { content: { diet: 'no cheese' }, mime_type: 'application/json', metadata: null },
    ]);
    expect(context.getMessages()).toEqual([{ type: 'SystemMessage', content: MEMORY_TEXT }]);
    expect(memory.name).toBe(DEFAULT_LIST_MEMORY_NAME);
    await memory.clear();
    await expect(memory.updateContext(context)).resolves.toEqual({ memories: [] });
    expect(context.getMessages()).toHaveLength(1);
  });

  it('on an AssistantAgent: a MemoryQueryEvent first, and the memories in the model request after the task', async () => {
    const model = new RecordingReplayClient(['Pizza without cheese, then.']);
    const memory = new ListMemory({
      name: 'prefs',
      memoryContents: [
        { content: 'User likes pizza.', mime_type: 'text/plain' },
        { content: { diet: 'no cheese' }, mime_type: 'application/json' },
      ],
    });
    const agent = new AssistantAgent({ name: 'chef', modelClient: model, systemMessage: 'Cook.', memory: [memory] });
    const items = await turn(agent, 'What should I eat?');

    expect(items.map((i) => (isResponse(i) ? 'Response' : `${i.type}:${i.source}`))).toEqual(['MemoryQueryEvent:chef', 'Response']);
    expect(items[0]).toMatchObject({ type: 'MemoryQueryEvent', content: memory.content.map((m) => ({ ...m, metadata: null })) });
    const response = items[1]!;
    expect(isResponse(response) && response.inner_messages.map((m) => m.type)).toEqual(['MemoryQueryEvent']);
    expect(model.calls[0]!.messages).toEqual([
      { type: 'SystemMessage', content: 'Cook.' },
      { type: 'UserMessage', content: 'What should I eat?', source: 'user' },
      { type: 'SystemMessage', content: MEMORY_TEXT },
    ]);
  });

  it('an empty memory emits no event and adds nothing', async () => {
    const model = new RecordingReplayClient(['ok']);
    const agent = new AssistantAgent({ name: 'a', modelClient: model, memory: [new ListMemory()] });
    const items = await turn(agent, 'hi');
    expect(items).toHaveLength(1);
    expect(model.calls[0]!.messages.filter((m) => m.type === 'SystemMessage')).toHaveLength(1);
  });

  it('loads on an AssistantAgent from the config AgentChat dumps, and dumps back the same', () => {
    const memoryComponent = {
      provider: 'autogen_core.memory.ListMemory',
      component_type: 'memory',
      version: 1,
      component_version: 1,
      description: 'ListMemory stores memory content in a simple list.',
      label: 'ListMemory',
      config: { name: 'prefs', memory_contents: [{ content: 'User likes pizza.', mime_type: 'text/plain' }] },
    };
    const loaded = loadComponent(memoryComponent, ctx);
    expect(loaded).toBeInstanceOf(ListMemory);
    expect(dumpComponent(loaded)).toEqual(memoryComponent);

    const agent = loadComponent(
      {
        provider: 'autogen_agentchat.agents.AssistantAgent',
        config: {
          name: 'chef',
          model_client: { provider: 'autogen_ext.models.replay.ReplayChatCompletionClient', config: { chat_completions: [] } },
          memory: [memoryComponent],
        },
      },
      ctx,
      'agent',
    );
    expect(dumpComponent(agent).config.memory).toEqual([memoryComponent]);
  });
});
