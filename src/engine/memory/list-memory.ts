/**
 * ListMemory (autogen_core.memory.ListMemory): memories kept in a list, in the order added, all
 * of them given to the model every time. Its contents round-trip through the config
 * (`name`, `memory_contents`), so a memory edited in AGS is what the agent remembers.
 */
import { z } from 'zod';
import type { ChatCompletionContext } from '../agents/model-context.js';
import type { MemoryContent } from '../messages.js';
import type { Memory, UpdateContextResult } from './memory.js';

export const LIST_MEMORY_PROVIDER = 'autogen_core.memory.ListMemory';

/** AgentChat's name for a ListMemory given none. */
export const DEFAULT_LIST_MEMORY_NAME = 'default_list_memory';

const MemoryContentSchema = z.object({
  content: z.union([z.string(), z.record(z.string(), z.unknown())]),
  mime_type: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

export const ListMemoryConfigSchema = z.object({
  name: z.string().nullish(),
  memory_contents: z.array(MemoryContentSchema).nullish(),
});

export class ListMemory implements Memory {
  readonly provider = LIST_MEMORY_PROVIDER;
  readonly componentType = 'memory' as const;
  readonly name: string;
  private contents: MemoryContent[];

  constructor(options: { name?: string | null; memoryContents?: readonly MemoryContent[] } = {}) {
    this.name = options.name || DEFAULT_LIST_MEMORY_NAME;
    this.contents = structuredClone([...(options.memoryContents ?? [])]);
  }

  /** The memories, oldest first. */
  get content(): MemoryContent[] {
    return structuredClone(this.contents);
  }

  /**
   * Adds one SystemMessage listing every memory, numbered from 1, as AgentChat's ListMemory
   * writes it: `\nRelevant memory content (in chronological order):\n1. …\n2. …\n`.
   * JSON contents are written as JSON. With no memories the context is left alone.
   */
  async updateContext(context: ChatCompletionContext): Promise<UpdateContextResult> {
    if (this.contents.length === 0) return { memories: [] };
    const lines = this.contents.map((m, i) => `${i + 1}. ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);
    context.addMessage({ type: 'SystemMessage', content: `\nRelevant memory content (in chronological order):\n${lines.join('\n')}\n` });
    // As AgentChat's MemoryContent dumps in an event: every field, metadata null when unset.
    return { memories: this.content.map((m) => ({ content: m.content, mime_type: m.mime_type, metadata: m.metadata ?? null })) };
  }

  /** Every memory, whatever the query (AgentChat's ListMemory does not filter). */
  async query(_query: string | MemoryContent): Promise<MemoryContent[]> {
    return this.content;
  }

  async add(content: MemoryContent): Promise<void> {
    this.contents.push(structuredClone(content));
  }

  async clear(): Promise<void> {
    this.contents = [];
  }

  async close(): Promise<void> {}

  toConfig(): Record<string, unknown> {
    return { name: this.name, memory_contents: this.content };
  }
}
