/**
 * ChatCompletionCache over the in-memory store. Expected values are AgentChat's
 * autogen_ext.models.cache.ChatCompletionCache: a repeated request is answered from the store
 * with `cached: true` and never reaches the wrapped client; a streamed hit replays the chunks;
 * a result cached by `create` streams as its text then itself; the dump leaves an in-memory store out.
 */
import { describe, expect, it } from 'vitest';
import { RecordingReplayClient } from '../../../test/support/engine/recording-client.js';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { ConfigError } from '../errors.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { ChatCompletionCache } from './cache-client.js';
import { InMemoryStore } from './cache-store.js';
import type { LLMMessage, ModelStreamItem } from './model-client.js';

const ask = (content: string): LLMMessage[] => [{ type: 'UserMessage', content, source: 'user' }];
const ctx = { tools: new ToolRegistry([]), credentials: {} };

async function collect(stream: AsyncIterable<ModelStreamItem>): Promise<ModelStreamItem[]> {
  const items: ModelStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe(ChatCompletionCache.name, () => {
  it('answers a repeated request from the store with cached: true, without asking the client', async () => {
    const inner = new RecordingReplayClient(['first answer', 'second answer']);
    const cache = new ChatCompletionCache(inner);

    const miss = await cache.create(ask('hi'));
    expect(miss).toMatchObject({ content: 'first answer', cached: false });
    const hit = await cache.create(ask('hi'));
    expect(hit).toEqual({ ...miss, cached: true });
    expect(inner.calls).toHaveLength(1);

    // Another request is a miss.
    await expect(cache.create(ask('hello'))).resolves.toMatchObject({ content: 'second answer', cached: false });
    expect(inner.calls).toHaveLength(2);
  });

  it('keys on the tools too', async () => {
    const inner = new RecordingReplayClient(['a', 'b']);
    const cache = new ChatCompletionCache(inner);
    await cache.create(ask('hi'));
    await expect(cache.create(ask('hi'), { tools: [{ name: 't', description: '', parameters: {} }] })).resolves.toMatchObject({
      content: 'b',
      cached: false,
    });
  });

  it('replays a cached stream chunk by chunk, and a cached create as its text then the result', async () => {
    const inner = new RecordingReplayClient(['one two', 'plain']);
    const cache = new ChatCompletionCache(inner);

    const first = await collect(cache.createStream(ask('stream')));
    expect(first).toEqual(['one ', 'two', expect.objectContaining({ content: 'one two', cached: false })]);
    const again = await collect(cache.createStream(ask('stream')));
    expect(again).toEqual(['one ', 'two', expect.objectContaining({ content: 'one two', cached: true })]);

    await cache.create(ask('plain'));
    expect(await collect(cache.createStream(ask('plain')))).toEqual(['plain', expect.objectContaining({ content: 'plain', cached: true })]);
    // A stored stream answers a plain create with its result.
    await expect(cache.create(ask('stream'))).resolves.toMatchObject({ content: 'one two', cached: true });
    expect(inner.calls).toHaveLength(2);
  });

  it('does not store a stream that was cut short', async () => {
    const inner = new RecordingReplayClient(['a b c', 'a b c']);
    const store = new InMemoryStore<never>();
    const cache = new ChatCompletionCache(inner, store);
    for await (const item of cache.createStream(ask('x'))) {
      expect(item).toBe('a ');
      break;
    }
    expect(store.size).toBe(0);
  });

  it('loads from the config AgentChat dumps (store left out when in memory) and dumps back the same', () => {
    const component = {
      provider: 'autogen_ext.models.cache.ChatCompletionCache',
      component_type: 'chat_completion_cache',
      version: 1,
      component_version: 1,
      description: 'A wrapper around a ChatCompletionClient that caches creation results from an underlying client.',
      label: 'ChatCompletionCache',
      config: {
        client: {
          provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
          component_type: 'model',
          version: 1,
          component_version: 1,
          description: '',
          label: 'ReplayChatCompletionClient',
          config: { chat_completions: ['hi'] },
        },
      },
    };
    const loaded = loadComponent(component, ctx, 'model');
    expect(loaded).toBeInstanceOf(ChatCompletionCache);
    expect(dumpComponent(loaded)).toEqual(component);

    const withStore = {
      ...component,
      config: { ...component.config, store: { provider: 'autogen_core.InMemoryStore', component_type: 'cache_store', config: {} } },
    };
    expect(loadComponent(withStore, ctx, 'model')).toBeInstanceOf(ChatCompletionCache);
    const redis = { ...component, config: { ...component.config, store: { provider: 'autogen_ext.cache_store.redis.RedisStore', config: {} } } };
    expect(() => loadComponent(redis, ctx, 'model')).toThrow(ConfigError);
    expect(() => loadComponent(redis, ctx, 'model')).toThrow(/config\.store.*RedisStore.*not supported/);
  });
});
