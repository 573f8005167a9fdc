/**
 * The one interface every model client implements (AgentChat's ChatCompletionClient).
 * Messages here are the LLM-side messages (system / user / assistant / tool results),
 * not the AgentChat messages of ../messages.ts.
 */
import type { FunctionCall, FunctionExecutionResult, ImageContent, RequestUsage } from '../messages.js';

export interface SystemMessage {
  type: 'SystemMessage';
  content: string;
}
export interface UserMessage {
  type: 'UserMessage';
  content: string | (string | ImageContent)[];
  source: string;
}
export interface AssistantMessage {
  type: 'AssistantMessage';
  content: string | FunctionCall[];
  source: string;
  thought?: string;
}
export interface FunctionExecutionResultMessage {
  type: 'FunctionExecutionResultMessage';
  content: FunctionExecutionResult[];
}
export type LLMMessage = SystemMessage | UserMessage | AssistantMessage | FunctionExecutionResultMessage;

export type FinishReason = 'stop' | 'length' | 'function_calls' | 'content_filter' | 'unknown';

/** A finished model call: text, or the tool calls the model asked for. */
export interface CreateResult {
  finish_reason: FinishReason;
  content: string | FunctionCall[];
  usage: RequestUsage;
  cached: boolean;
  /** Reasoning text, when the model returns it separately. */
  thought?: string;
  /**
   * The model the provider's response says answered (OpenAI-compatible `model` of the response or
   * its stream chunks, Anthropic `message.model`, Ollama `model`): often a dated snapshot of the
   * alias asked for. Absent when the response names none (the replay client, a server that omits it).
   * Recorded as `gen_ai.response.model` on the call's `chat` span.
   */
  model?: string;
}

/** A tool as the model sees it: a name, a description and a JSON Schema for its arguments. */
export interface ToolSchema {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export interface ModelInfo {
  vision: boolean;
  function_calling: boolean;
  json_output: boolean;
  family: string;
  structured_output?: boolean;
}

export interface CreateOptions {
  /** Aborting cancels the request in flight (the HTTP request, for a remote model). */
  signal?: AbortSignal;
  tools?: ToolSchema[];
  toolChoice?: 'auto' | 'required' | 'none';
  /** Per-call overrides of the client's own create arguments. */
  extraCreateArgs?: Record<string, unknown>;
}

/** One item of a streamed call: a text delta, or (always last) the finished result. */
export type ModelStreamItem = string | CreateResult;

export interface ChatCompletionClient {
  readonly modelInfo: ModelInfo;
  create(messages: LLMMessage[], options?: CreateOptions): Promise<CreateResult>;
  /** Yields text deltas as they arrive, then exactly one CreateResult, last. */
  createStream(messages: LLMMessage[], options?: CreateOptions): AsyncIterable<ModelStreamItem>;
  /** Frees sockets or processes the client holds. */
  close(): Promise<void>;
}

export function isCreateResult(item: ModelStreamItem): item is CreateResult {
  return typeof item !== 'string';
}

/**
 * The model families AgentChat treats as OpenAI's own (`ModelFamily.is_openai`): requests the
 * team itself makes (speaker selection) are shaped for them (a lone system message); every
 * other family, `unknown` included, gets a user message instead.
 */
const OPENAI_FAMILIES: ReadonlySet<string> = new Set(['gpt-5', 'gpt-45', 'gpt-41', 'gpt-4o', 'o1', 'o3', 'o4', 'gpt-4', 'gpt-35']);

export function isOpenAIFamily(family: string): boolean {
  return OPENAI_FAMILIES.has(family);
}
