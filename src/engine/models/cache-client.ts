/**
 * ChatCompletionCache: a model client that answers a request it has seen before from its store
 * instead of asking the wrapped client (autogen_ext.models.cache.ChatCompletionCache).
 * A hit returns the stored result with `cached: true`; a streamed hit replays the stored chunks
 * and then the result. The key is a SHA-256 of the request (messages, tools, extra create args),
 * so any difference in the conversation is a miss.
 */
import { createHash } from 'node:crypto';
import type { Configurable } from '../components/component-model.js';
import { dumpComponent } from '../components/dump.js';
import { approximateTokens, countsTokens } from '../agents/model-context-limited.js';
import type { ChatCompletionClient, CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem, ToolSchema } from './model-client.js';
import { InMemoryStore, type CacheStore } from './cache-store.js';

/** What is stored per request: one result (create) or the whole stream, result last (createStream). */
type CachedValue = CreateResult | ModelStreamItem[];

export class ChatCompletionCache implements ChatCompletionClient, Configurable {
  readonly provider = 'autogen_ext.models.cache.ChatCompletionCache';
  readonly componentType = 'model' as const;
  /** AgentChat dumps this component with its own component_type. */
  readonly dumpedComponentType = 'chat_completion_cache';
  readonly store: CacheStore<CachedValue>;
  /** Present when the wrapped client knows its context window (TokenLimitedChatCompletionContext uses it). */
  readonly remainingTokens?: (messages: LLMMessage[], tools?: ToolSchema[]) => number;

  constructor(
    readonly client: ChatCompletionClient,
    store?: CacheStore<CachedValue>,
  ) {
    this.store = store ?? new InMemoryStore<CachedValue>();
    if (countsTokens(client) && client.remainingTokens) this.remainingTokens = (m, t) => client.remainingTokens!(m, t);
  }

  get modelInfo(): ModelInfo {
    return this.client.modelInfo;
  }

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    const key = cacheKey(messages, options);
    const hit = this.store.get(key);
    if (hit !== undefined) {
      // A stored stream answers a plain create too: its result is the last item (as AgentChat does).
      const result = Array.isArray(hit) ? hit.findLast((item): item is CreateResult => typeof item !== 'string') : hit;
      if (result) return { ...structuredClone(result), cached: true };
    }
    const result = await this.client.create(messages, options);
    this.store.set(key, structuredClone(result));
    return result;
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    const key = cacheKey(messages, options);
    const hit = this.store.get(key);
    if (Array.isArray(hit)) {
      for (const item of hit) yield typeof item === 'string' ? item : { ...structuredClone(item), cached: true };
      return;
    }
    if (hit !== undefined) {
      // A result stored by create streams as its text (when it has any), then itself.
      if (typeof hit.content === 'string' && hit.content) yield hit.content;
      yield { ...structuredClone(hit), cached: true };
      return;
    }
    const items: ModelStreamItem[] = [];
    for await (const item of this.client.createStream(messages, options)) {
      items.push(typeof item === 'string' ? item : structuredClone(item));
      yield item;
    }
    // Stored only once the stream is complete: a stream cut short is never replayed.
    this.store.set(key, items);
  }

  /** Counts as the wrapped client does (tokenizer-free estimate when it cannot). */
  countTokens(messages: LLMMessage[], tools?: ToolSchema[]): number {
    return countsTokens(this.client) ? this.client.countTokens(messages, tools) : approximateTokens(messages, tools);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** `{client}` only: an in-memory store is not written, as AgentChat leaves it out. */
  toConfig(): Record<string, unknown> {
    return { client: dumpComponent(this.client) };
  }
}

/** SHA-256 of the request with object keys sorted, so equal requests hash equally. */
function cacheKey(messages: LLMMessage[], options: CreateOptions): string {
  // What AgentChat keys on: messages, tools and extra create args (tool_choice is not part of the key).
  const data = { messages, tools: options.tools ?? [], extra_create_args: options.extraCreateArgs ?? {} };
  return createHash('sha256').update(stableJson(data)).digest('hex');
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
