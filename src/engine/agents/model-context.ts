/**
 * Model contexts: what an AssistantAgent remembers and sends to its model (AgentChat's
 * ChatCompletionContext). The unbounded one keeps everything; the buffered one sends the last
 * `buffer_size` messages.
 */
import type { Configurable } from '../components/component-model.js';
import type { LLMMessage } from '../models/model-client.js';
import type { ModelContextState } from '../state.js';

export interface ChatCompletionContext extends Configurable {
  readonly componentType: 'chat_completion_context';
  addMessage(message: LLMMessage): void;
  /** The messages to send to the model (without the agent's system message). */
  getMessages(): LLMMessage[];
  clear(): void;
  /** Everything remembered (not just what getMessages sends), for a later loadState. */
  saveState(): ModelContextState;
  /** Replaces what is remembered with a saved state. */
  loadState(state: ModelContextState): void;
}

/** The message list every context keeps (AgentChat's ChatCompletionContext base); subclasses choose what to send. */
export abstract class ListContext {
  readonly componentType = 'chat_completion_context' as const;
  protected messages: LLMMessage[];

  constructor(protected readonly initialMessages: readonly LLMMessage[] = []) {
    this.messages = [...initialMessages];
  }

  addMessage(message: LLMMessage): void {
    this.messages.push(message);
  }

  clear(): void {
    this.messages = [...this.initialMessages];
  }

  saveState(): ModelContextState {
    return { messages: structuredClone(this.messages) };
  }

  loadState(state: ModelContextState): void {
    this.messages = structuredClone(state.messages);
  }
}

export class UnboundedChatCompletionContext extends ListContext implements ChatCompletionContext {
  readonly provider = 'autogen_core.model_context.UnboundedChatCompletionContext';

  getMessages(): LLMMessage[] {
    return [...this.messages];
  }

  toConfig(): Record<string, unknown> {
    return this.initialMessages.length ? { initial_messages: [...this.initialMessages] } : {};
  }
}

export class BufferedChatCompletionContext extends ListContext implements ChatCompletionContext {
  readonly provider = 'autogen_core.model_context.BufferedChatCompletionContext';

  constructor(
    readonly bufferSize: number,
    initialMessages: readonly LLMMessage[] = [],
  ) {
    super(initialMessages);
  }

  getMessages(): LLMMessage[] {
    const recent = this.messages.slice(-this.bufferSize);
    // A tool result without the call that asked for it is rejected by OpenAI, so drop it (as AgentChat does).
    while (recent[0]?.type === 'FunctionExecutionResultMessage') recent.shift();
    return recent;
  }

  toConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { buffer_size: this.bufferSize };
    if (this.initialMessages.length) config.initial_messages = [...this.initialMessages];
    return config;
  }
}
