/**
 * A replay client that also records what each call was sent, so specs can check what an agent
 * or a selector showed its model.
 */
import type { CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem } from '../../../src/engine/models/model-client.js';
import { ReplayChatCompletionClient, type ReplayEntry } from '../../../src/engine/models/replay-client.js';

export interface RecordedCall {
  messages: LLMMessage[];
  toolNames: string[];
}

export class RecordingReplayClient extends ReplayChatCompletionClient {
  readonly calls: RecordedCall[] = [];
  closed = false;

  constructor(entries: readonly ReplayEntry[], modelInfo?: ModelInfo) {
    super(entries, modelInfo);
  }

  override create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    this.record(messages, options);
    return super.create(messages, options);
  }

  override createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    this.record(messages, options);
    return super.createStream(messages, options);
  }

  override async close(): Promise<void> {
    this.closed = true;
  }

  private record(messages: LLMMessage[], options: CreateOptions): void {
    this.calls.push({ messages: structuredClone(messages), toolNames: (options.tools ?? []).map((t) => t.name) });
  }
}

/** A scripted tool-call result (what a model returns when it wants tools run). */
export function toolCalls(...calls: [name: string, args: Record<string, unknown>][]): ReplayEntry {
  return {
    finish_reason: 'function_calls',
    content: calls.map(([name, args], i) => ({ id: `call_${i + 1}_${name}`, name, arguments: JSON.stringify(args) })),
    usage: { prompt_tokens: 10, completion_tokens: 3 },
    cached: false,
  };
}
