/**
 * The two bounded model contexts of autogen_core.model_context besides the buffered one:
 * HeadAndTailChatCompletionContext (the first `head_size` and last `tail_size` messages with a
 * placeholder for what was skipped) and TokenLimitedChatCompletionContext (drops messages from
 * the middle until the rest fits in `token_limit` tokens).
 */
import { dumpComponent } from '../components/dump.js';
import { ConfigError } from '../errors.js';
import type { ChatCompletionClient, LLMMessage, ToolSchema } from '../models/model-client.js';
import { ListContext, type ChatCompletionContext } from './model-context.js';

/**
 * Sends the first `headSize` and the last `tailSize` messages, and between them the user message
 * `Skipped N messages.` from source `System`, as AgentChat's HeadAndTailChatCompletionContext does:
 * a head ending in tool calls loses that message and a tail starting with tool results loses that
 * one (a provider refuses a call without its result and the reverse), while N counts only the
 * messages between the two windows. With no more than head + tail messages, all are sent.
 */
export class HeadAndTailChatCompletionContext extends ListContext implements ChatCompletionContext {
  readonly provider = 'autogen_core.model_context.HeadAndTailChatCompletionContext';

  constructor(
    readonly headSize: number,
    readonly tailSize: number,
    initialMessages: readonly LLMMessage[] = [],
  ) {
    super(initialMessages);
    if (!Number.isInteger(headSize) || headSize <= 0) throw new ConfigError('config.head_size', 'must be an integer greater than 0');
    if (!Number.isInteger(tailSize) || tailSize <= 0) throw new ConfigError('config.tail_size', 'must be an integer greater than 0');
  }

  getMessages(): LLMMessage[] {
    const skipped = this.messages.length - this.headSize - this.tailSize;
    if (skipped <= 0) return [...this.messages];
    const head = this.messages.slice(0, this.headSize);
    const last = head.at(-1);
    if (last?.type === 'AssistantMessage' && Array.isArray(last.content)) head.pop();
    const tail = this.messages.slice(-this.tailSize);
    if (tail[0]?.type === 'FunctionExecutionResultMessage') tail.shift();
    return [...head, { type: 'UserMessage', content: `Skipped ${skipped} messages.`, source: 'System' }, ...tail];
  }

  toConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { head_size: this.headSize, tail_size: this.tailSize };
    if (this.initialMessages.length) config.initial_messages = [...this.initialMessages];
    return config;
  }
}

/** A model client that can count the tokens of a request (AgentChat's `count_tokens`/`remaining_tokens`). */
export interface TokenCounting {
  /** Tokens `messages` (and `tools`) take in a request to this model. */
  countTokens(messages: LLMMessage[], tools?: ToolSchema[]): number;
  /** Tokens left in the model's context window after `messages`; absent when the client does not know the window. */
  remainingTokens?(messages: LLMMessage[], tools?: ToolSchema[]): number;
}

export function countsTokens(client: ChatCompletionClient): client is ChatCompletionClient & TokenCounting {
  return typeof (client as Partial<TokenCounting>).countTokens === 'function';
}

/** Characters per token of {@link approximateTokens}: the usual rule of thumb for English text and BPE tokenizers. */
export const APPROX_CHARS_PER_TOKEN = 4;

/**
 * A tokenizer-free estimate, used only for a client without `countTokens` (the OpenAI and
 * replay clients here; AgentChat counts with tiktoken instead): per message 3 tokens plus its
 * text (tool calls as name + arguments) at {@link APPROX_CHARS_PER_TOKEN} characters a token,
 * 3 for the reply's priming, and each tool's name, description and JSON schema the same way.
 */
export function approximateTokens(messages: readonly LLMMessage[], tools: readonly ToolSchema[] = []): number {
  const tokens = (text: string): number => Math.ceil(text.length / APPROX_CHARS_PER_TOKEN);
  let total = 3;
  for (const message of messages) {
    total += 3;
    switch (message.type) {
      case 'SystemMessage':
        total += tokens(message.content);
        break;
      case 'UserMessage':
        total +=
          typeof message.content === 'string'
            ? tokens(message.content)
            : message.content.reduce((n, p) => n + (typeof p === 'string' ? tokens(p) : 85), 0);
        break;
      case 'AssistantMessage':
        total +=
          typeof message.content === 'string' ? tokens(message.content) : message.content.reduce((n, c) => n + tokens(c.name + c.arguments), 0);
        break;
      case 'FunctionExecutionResultMessage':
        total += message.content.reduce((n, r) => n + tokens(r.content), 0);
        break;
    }
  }
  for (const tool of tools) total += tokens(tool.name) + tokens(tool.description) + tokens(JSON.stringify(tool.parameters));
  return total;
}

export interface TokenLimitedOptions {
  /** Most tokens of messages to send; `null` uses the client's remaining window (remainingTokens). */
  tokenLimit: number | null;
  /** Tool schemas counted with the messages (AgentChat's `tool_schema`). */
  toolSchema?: readonly ToolSchema[];
  initialMessages?: readonly LLMMessage[];
}

/**
 * Sends as many messages as fit in `token_limit` tokens, dropping the middle one (index ⌊n/2⌋)
 * until they do, then a leading tool result, as AgentChat's TokenLimitedChatCompletionContext
 * does. Tokens are counted by `model_client.countTokens` when the client has it (the Ollama
 * client, and the cache over one), else with {@link approximateTokens}.
 * Throws ConfigError when `token_limit` is absent and the client cannot tell its remaining window.
 */
export class TokenLimitedChatCompletionContext extends ListContext implements ChatCompletionContext {
  readonly provider = 'autogen_core.model_context.TokenLimitedChatCompletionContext';
  private readonly toolSchema: readonly ToolSchema[];
  private readonly tokenLimit: number | null;

  constructor(
    readonly modelClient: ChatCompletionClient,
    options: TokenLimitedOptions,
  ) {
    super(options.initialMessages ?? []);
    if (options.tokenLimit !== null && (!Number.isInteger(options.tokenLimit) || options.tokenLimit <= 0)) {
      throw new ConfigError('config.token_limit', 'must be an integer greater than 0');
    }
    if (options.tokenLimit === null && !(countsTokens(modelClient) && modelClient.remainingTokens)) {
      throw new ConfigError('config.token_limit', 'is required: this model client cannot tell how many tokens its context window has left');
    }
    this.tokenLimit = options.tokenLimit;
    this.toolSchema = options.toolSchema ?? [];
  }

  /** The tokens `messages` take, as this context counts them. */
  countTokens(messages: LLMMessage[]): number {
    const client = this.modelClient;
    return countsTokens(client) ? client.countTokens(messages, [...this.toolSchema]) : approximateTokens(messages, this.toolSchema);
  }

  getMessages(): LLMMessage[] {
    const messages = [...this.messages];
    const over = (): boolean => {
      const client = this.modelClient;
      if (this.tokenLimit !== null) return this.countTokens(messages) > this.tokenLimit;
      return countsTokens(client) && client.remainingTokens!(messages, [...this.toolSchema]) < 0;
    };
    while (messages.length > 0 && over()) messages.splice(Math.floor(messages.length / 2), 1);
    if (messages[0]?.type === 'FunctionExecutionResultMessage') messages.shift();
    return messages;
  }

  toConfig(): Record<string, unknown> {
    // Key order and the always-present tool_schema list as AgentChat dumps it.
    const config: Record<string, unknown> = { model_client: dumpComponent(this.modelClient) };
    if (this.tokenLimit !== null) config.token_limit = this.tokenLimit;
    config.tool_schema = this.toolSchema.map((t) => ({ ...t }));
    if (this.initialMessages.length) config.initial_messages = [...this.initialMessages];
    return config;
  }
}
