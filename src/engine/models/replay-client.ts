/**
 * ReplayChatCompletionClient: answers each call with the next scripted entry, so teams run with
 * no model server and no API key. A string entry streams as one chunk per whitespace-separated
 * token ("a b c" → "a ", "b ", "c"); a result entry arrives whole. Running out is a ModelError.
 */
import { z } from 'zod';
import { throwIfAborted, ModelError } from '../errors.js';
import type { RequestUsage } from '../messages.js';
import type { ChatCompletionClient, CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem } from './model-client.js';

export const ReplayResultSchema = z.object({
  finish_reason: z.enum(['stop', 'length', 'function_calls', 'content_filter', 'unknown']),
  content: z.union([z.string(), z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() }))]),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }),
  cached: z.boolean().default(false),
  thought: z.string().optional(),
});

export const ReplayEntrySchema = z.union([z.string(), ReplayResultSchema]);
export type ReplayEntry = z.infer<typeof ReplayEntrySchema>;

/** Tokens streamed between two yields to the event loop. */
const YIELD_EVERY_TOKENS = 16;

const REPLAY_MODEL_INFO: ModelInfo = {
  vision: true,
  function_calling: true,
  json_output: true,
  family: 'unknown',
  structured_output: true,
};

export class ReplayChatCompletionClient implements ChatCompletionClient {
  readonly modelInfo: ModelInfo;
  private next = 0;

  constructor(
    readonly chatCompletions: readonly ReplayEntry[],
    modelInfo?: ModelInfo,
  ) {
    this.modelInfo = modelInfo ?? REPLAY_MODEL_INFO;
  }

  /** How many scripted entries have not been used yet. */
  get remaining(): number {
    return this.chatCompletions.length - this.next;
  }

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    throwIfAborted(options.signal);
    return this.toResult(this.take(), messages);
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    throwIfAborted(options.signal);
    const entry = this.take();
    if (typeof entry === 'string') {
      const tokens = splitTokens(entry);
      for (let i = 0; i < tokens.length; i++) {
        // Yield to the event loop now and then, so a stop or a slow viewer can act mid-stream;
        // not on every token, which would make a scripted model slower than any real one, and not
        // before the first, which a stop cannot precede (it was checked above).
        if (i > 0 && i % YIELD_EVERY_TOKENS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(options.signal);
        yield i < tokens.length - 1 ? `${tokens[i]} ` : tokens[i]!;
      }
    }
    yield this.toResult(entry, messages);
  }

  /** Starts the script over (AgentChat's `reset`). */
  reset(): void {
    this.next = 0;
  }

  async close(): Promise<void> {}

  private take(): ReplayEntry {
    const entry = this.chatCompletions[this.next];
    if (entry === undefined) {
      throw new ModelError(`ReplayChatCompletionClient has no more scripted completions (${this.chatCompletions.length} used)`);
    }
    this.next += 1;
    return entry;
  }

  private toResult(entry: ReplayEntry, messages: LLMMessage[]): CreateResult {
    if (typeof entry !== 'string') return { ...entry, cached: entry.cached ?? false };
    const usage: RequestUsage = {
      prompt_tokens: messages.reduce((sum, m) => sum + splitTokens(llmMessageText(m)).length, 0),
      completion_tokens: splitTokens(entry).length,
    };
    return { finish_reason: 'stop', content: entry, usage, cached: false };
  }
}

function splitTokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t.length > 0);
}

function llmMessageText(message: LLMMessage): string {
  switch (message.type) {
    case 'SystemMessage':
      return message.content;
    case 'UserMessage':
      return typeof message.content === 'string' ? message.content : message.content.filter((p): p is string => typeof p === 'string').join(' ');
    case 'AssistantMessage':
      return typeof message.content === 'string' ? message.content : message.content.map((c) => `${c.name} ${c.arguments}`).join(' ');
    case 'FunctionExecutionResultMessage':
      return message.content.map((r) => r.content).join(' ');
  }
}
