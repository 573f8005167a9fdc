/**
 * Memory (autogen_core.memory.Memory): a store an AssistantAgent consults before each model
 * call. `updateContext` adds what is relevant to the agent's model context and says what it
 * added; the agent reports that as a MemoryQueryEvent (as AgentChat's AssistantAgent does).
 */
import type { ChatCompletionContext } from '../agents/model-context.js';
import type { Configurable } from '../components/component-model.js';
import type { MemoryContent } from '../messages.js';

export type { MemoryContent } from '../messages.js';

/** The memories `updateContext` put into the context (AgentChat's UpdateContextResult.memories.results). */
export interface UpdateContextResult {
  memories: MemoryContent[];
}

export interface Memory extends Configurable {
  readonly componentType: 'memory';
  readonly name: string;
  /** Adds what is relevant to `context` (mutating it) and returns what was added; nothing added is an empty list. */
  updateContext(context: ChatCompletionContext): Promise<UpdateContextResult>;
  /** Every memory relevant to `query` (a list memory returns all of them). */
  query(query: string | MemoryContent): Promise<MemoryContent[]>;
  add(content: MemoryContent): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
}
