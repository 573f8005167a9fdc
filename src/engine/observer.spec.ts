import { describe, expect, it } from 'vitest';
import { dumpComponent } from './components/dump.js';
import { loadComponent } from './components/loader.js';
import type { ChatCompletionClient } from './models/model-client.js';
import { ReplayChatCompletionClient } from './models/replay-client.js';
import { modelCallLabels, modelProviderName, observeModelClient, type ModelCallObservation } from './observer.js';
import { ToolRegistry } from './tools/tool-registry.js';

const user = [{ type: 'UserMessage' as const, content: 'hi', source: 'user' }];

function watched(entries: string[]) {
  const calls: ModelCallObservation[] = [];
  const client = observeModelClient(
    new ReplayChatCompletionClient(entries),
    { provider: 'replay', model: 'm' },
    { onModelCall: (o) => calls.push(o) },
  );
  return { client, calls };
}

describe(observeModelClient.name, () => {
  it('reports one observation per create, with the usage', async () => {
    const { client, calls } = watched(['hello there']);
    const result = await client.create(user);
    expect(calls).toEqual([{ provider: 'replay', model: 'm', ms: expect.any(Number), usage: result.usage, cached: false }]);
  });

  it('reports a stream once it ends, and a stream the consumer abandons as a failure', async () => {
    const { client, calls } = watched(['one two three', 'four five six']);
    for await (const _ of client.createStream(user)) void _;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.error).toBeUndefined();
    for await (const _ of client.createStream(user)) break;
    expect(calls).toHaveLength(2);
    expect(calls[1]!.error).toBeInstanceOf(Error);
  });

  it('reports a failed call with its error and rethrows it', async () => {
    const { client, calls } = watched([]);
    await expect(client.create(user)).rejects.toThrow();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.error).toBeInstanceOf(Error);
  });

  it('an observer that throws does not break the call', async () => {
    const client = observeModelClient(
      new ReplayChatCompletionClient(['ok']),
      { provider: 'replay', model: 'm' },
      {
        onModelCall: () => {
          throw new Error('observer broke');
        },
      },
    );
    await expect(client.create(user)).resolves.toMatchObject({ content: 'ok' });
  });

  it('the wrapped client keeps its class and dumps as before', () => {
    const { client } = watched(['a']);
    expect(client).toBeInstanceOf(ReplayChatCompletionClient);
    expect(dumpComponent(client).config).toEqual({ chat_completions: ['a'] });
    expect((client as ReplayChatCompletionClient).remaining).toBe(1);
  });
});

describe('LoadContext.observer', () => {
  it('model clients loaded with an observer report their calls under the provider and config model', async () => {
    const calls: ModelCallObservation[] = [];
    const tools = new ToolRegistry([]);
    const client = loadComponent(
      { provider: 'autogen_ext.models.replay.ReplayChatCompletionClient', config: { chat_completions: ['x'] } },
      { tools, observer: { onModelCall: (o) => calls.push(o) } },
      'model',
    ) as ChatCompletionClient;
    await client.create(user);
    expect(calls).toMatchObject([{ provider: 'replay', model: 'unknown' }]);
  });

  it('a loaded client is both traced and observed, and streams once through both (no wrapper calls itself)', async () => {
    const calls: ModelCallObservation[] = [];
    const client = loadComponent(
      { provider: 'autogen_ext.models.replay.ReplayChatCompletionClient', config: { chat_completions: ['a b'] } },
      { tools: new ToolRegistry([]), observer: { onModelCall: (o) => calls.push(o) } },
      'model',
    ) as ChatCompletionClient;
    const items = [];
    for await (const item of client.createStream(user)) items.push(item);
    expect(items.at(-1)).toMatchObject({ content: 'a b' });
    expect(calls).toHaveLength(1);
  });

  it('names providers the GenAI way', () => {
    expect(modelProviderName('autogen_ext.models.openai.OpenAIChatCompletionClient')).toBe('openai');
    expect(modelProviderName('autogen_ext.models.openai.AzureOpenAIChatCompletionClient')).toBe('azure.ai.openai');
    expect(modelProviderName('my.Custom')).toBe('Custom');
  });

  it("labels a call with the requested model: the config model, else an Azure config's deployment (metrics and spans alike)", () => {
    expect(modelCallLabels('autogen_ext.models.openai.AzureOpenAIChatCompletionClient', { azure_deployment: 'gpt4o-prod' })).toEqual({
      provider: 'azure.ai.openai',
      model: 'gpt4o-prod',
    });
    expect(modelCallLabels('autogen_ext.models.openai.OpenAIChatCompletionClient', { model: 'gpt-4o' })).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(modelCallLabels('autogen_ext.models.replay.ReplayChatCompletionClient', { chat_completions: [] }).model).toBeUndefined();
  });
});
