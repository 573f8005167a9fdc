/**
 * Cache stores for ChatCompletionCache (autogen_core's CacheStore). Only the in-memory store
 * (`autogen_core.InMemoryStore`) is built: a map that lives as long as the loaded client, that is
 * one run of one team config. RedisStore and DiskCacheStore are refused by the registry entry.
 */
export const IN_MEMORY_STORE_PROVIDER = 'autogen_core.InMemoryStore';

/** A key-value store of cached model results (AgentChat's CacheStore: `get`, `set`). */
export interface CacheStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

/** AgentChat's InMemoryStore: a plain map with no eviction (the store's owner bounds its lifetime). */
export class InMemoryStore<T> implements CacheStore<T> {
  readonly provider = IN_MEMORY_STORE_PROVIDER;
  private readonly entries = new Map<string, T>();

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
  }

  /** How many results are cached. */
  get size(): number {
    return this.entries.size;
  }
}
