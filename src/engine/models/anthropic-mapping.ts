/**
 * The mapping between the engine's LLM messages and the Anthropic Messages API wire format.
 * The wire types below are the JSON shapes of the API (a subset), declared here so that
 * anthropic-client.ts and anthropic-errors.ts stay the only modules that import the SDK.
 *
 * Semantics follow AgentChat's AnthropicChatCompletionClient: system messages are joined into
 * the request's `system` parameter; tool results go back as a user message of `tool_result`
 * blocks; consecutive messages of one role are merged (the API wants user and assistant turns
 * to alternate); text said next to tool calls is the result's `thought`.
 */
import { ModelError } from '../errors.js';
import type { FunctionCall, ImageContent } from '../messages.js';
import type { CreateOptions, CreateResult, FinishReason, LLMMessage, ToolSchema } from './model-client.js';

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: AnthropicImageSource }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };
export interface AnthropicWireMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}
export interface AnthropicWireTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}
export type AnthropicToolChoice = { type: 'auto' } | { type: 'any' } | { type: 'none' };

/** What the client sends. */
export interface AnthropicWireRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicWireMessage[];
  system?: string;
  tools?: AnthropicWireTool[];
  tool_choice?: AnthropicToolChoice;
  [createArg: string]: unknown;
}

export interface AnthropicWireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
}

/** The parts of a (non-streamed) Message the client reads. */
export interface AnthropicWireAnswer {
  content: { type: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown }[];
  stop_reason: string | null;
  usage?: AnthropicWireUsage | null;
}

/** The parts of a streamed event the client reads (message_start, content_block_*, message_delta, …). */
export interface AnthropicWireEvent {
  type: string;
  index?: number;
  message?: { model?: string; usage?: AnthropicWireUsage | null };
  content_block?: { type: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown };
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicWireUsage | null;
}

/** Said when the streamed events are not Messages API events. */
export const ANTHROPIC_MALFORMED_STREAM = 'The model server sent a malformed stream';
/** Said when a (non-streamed) answer is not a Messages API message. */
export const ANTHROPIC_MALFORMED_ANSWER = 'The model server sent a malformed answer';
/** Said when a stream ended before its message started: nothing was completed. */
const ANTHROPIC_NO_MESSAGE = "The model server's answer had no message";

/** The API refuses empty text blocks; an empty turn is sent as this (as AgentChat does for empty content). */
const EMPTY_TEXT = '(empty)';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: string): AnthropicContentBlock {
  return { type: 'text', text: value.trim() === '' ? EMPTY_TEXT : value };
}

/** A data: URL goes as base64 (the API's own form); any other URL as a URL source. */
function image(part: ImageContent): AnthropicContentBlock {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1]!, data: data[2]! } };
  return { type: 'image', source: { type: 'url', url: part.url } };
}

/**
 * A call's arguments as the object the API wants. Models return JSON objects; anything else
 * (text that is not JSON, or not an object) is kept under `arguments` rather than lost.
 */
function toolInput(call: FunctionCall): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(call.arguments || '{}');
    if (isRecord(parsed)) return parsed;
  } catch {
    // fall through
  }
  return { arguments: call.arguments };
}

/**
 * LLM messages → the request's `system` text and its alternating messages.
 * System messages are joined with newlines, wherever they appear (AgentChat merges them too).
 */
function toAnthropicMessages(messages: readonly LLMMessage[]): { system?: string; messages: AnthropicWireMessage[] } {
  const systemParts: string[] = [];
  const turns: AnthropicWireMessage[] = [];
  const add = (role: 'user' | 'assistant', content: AnthropicContentBlock[]) => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  for (const message of messages) {
    switch (message.type) {
      case 'SystemMessage':
        systemParts.push(message.content);
        break;
      case 'UserMessage':
        add(
          'user',
          typeof message.content === 'string' ? [text(message.content)] : message.content.map((p) => (typeof p === 'string' ? text(p) : image(p))),
        );
        break;
      case 'AssistantMessage':
        if (typeof message.content === 'string') add('assistant', [text(message.content)]);
        else
          add('assistant', [
            ...(message.thought ? [text(message.thought)] : []),
            ...message.content.map((call): AnthropicContentBlock => ({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call) })),
          ]);
        break;
      case 'FunctionExecutionResultMessage':
        add(
          'user',
          message.content.map((r) => ({
            type: 'tool_result',
            tool_use_id: r.call_id,
            content: r.content,
            ...(r.is_error ? { is_error: true } : {}),
          })),
        );
        break;
    }
  }
  // The API wants the conversation to open with a user turn.
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: [text(EMPTY_TEXT)] });
  return { ...(systemParts.length > 0 ? { system: systemParts.join('\n') } : {}), messages: turns };
}

function toAnthropicTools(tools: readonly ToolSchema[]): AnthropicWireTool[] {
  return tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', properties: {}, ...t.parameters } }));
}

const TOOL_CHOICE: Record<NonNullable<CreateOptions['toolChoice']>, AnthropicToolChoice> = {
  auto: { type: 'auto' },
  required: { type: 'any' },
  none: { type: 'none' },
};

/**
 * The request body: model, max_tokens and messages, the config's create arguments, then the
 * call's own (`extraCreateArgs` wins). `tool_choice` only goes with tools.
 */
export function buildAnthropicRequest(
  model: string,
  maxTokens: number,
  messages: readonly LLMMessage[],
  options: CreateOptions,
  configArgs: Record<string, unknown>,
): AnthropicWireRequest {
  const { system, messages: wire } = toAnthropicMessages(messages);
  const request: AnthropicWireRequest = {
    model,
    max_tokens: maxTokens,
    messages: wire,
    ...(system !== undefined ? { system } : {}),
    ...configArgs,
    ...options.extraCreateArgs,
  };
  if (options.tools && options.tools.length > 0) {
    request.tools = toAnthropicTools(options.tools);
    if (options.toolChoice) request.tool_choice = TOOL_CHOICE[options.toolChoice];
  }
  return request;
}

/** Anthropic's `stop_reason` → AgentChat's finish reason. */
function toAnthropicFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return 'function_calls';
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'function_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'unknown';
  }
}

function finish(
  textOut: string,
  calls: FunctionCall[],
  thinking: string,
  reason: string | null | undefined,
  usage: AnthropicWireUsage,
): CreateResult {
  const result: CreateResult = {
    finish_reason: toAnthropicFinishReason(reason, calls.length > 0),
    content: calls.length > 0 ? calls : textOut,
    usage: { prompt_tokens: usage.input_tokens ?? 0, completion_tokens: usage.output_tokens ?? 0 },
    cached: false,
  };
  // Extended thinking is the thought; else text said next to tool calls is.
  const thought = thinking || (calls.length > 0 && textOut ? textOut : undefined);
  if (thought) result.thought = thought;
  return result;
}

/** A non-streamed Message → CreateResult. */
export function fromAnthropicMessage(answer: AnthropicWireAnswer): CreateResult {
  const raw: unknown = answer;
  if (!isRecord(raw) || !Array.isArray(raw.content) || !raw.content.every(isRecord)) throw new ModelError(ANTHROPIC_MALFORMED_ANSWER);
  let textOut = '';
  let thinking = '';
  const calls: FunctionCall[] = [];
  for (const block of answer.content) {
    if (block.type === 'text') textOut += block.text ?? '';
    else if (block.type === 'thinking') thinking += block.thinking ?? '';
    else if (block.type === 'tool_use') calls.push({ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) });
  }
  return finish(textOut, calls, thinking, answer.stop_reason, answer.usage ?? {});
}

/**
 * Folds streamed events into one CreateResult. Each content block is opened, grown by deltas
 * and closed by index; tool input arrives as pieces of JSON text (`input_json_delta`), several
 * tool_use blocks per answer when the model calls tools in parallel.
 */
export class AnthropicStreamAccumulator {
  private textOut = '';
  private thinking = '';
  private readonly calls = new Map<number, FunctionCall & { input: unknown }>();
  private stopReason: string | null = null;
  private readonly usage: AnthropicWireUsage = {};
  private started = false;
  /** The model `message_start` names (the one that answers). */
  private model: string | undefined;

  /**
   * Takes one event; returns its text delta, if it has one.
   * @throws ModelError when the event is not a Messages API event
   */
  push(event: AnthropicWireEvent): string | undefined {
    const raw: unknown = event;
    if (!isRecord(raw) || typeof raw.type !== 'string') throw new ModelError(ANTHROPIC_MALFORMED_STREAM);
    switch (event.type) {
      case 'message_start':
        this.started = true;
        if (typeof event.message?.model === 'string' && event.message.model !== '') this.model = event.message.model;
        this.mergeUsage(event.message?.usage);
        return undefined;
      case 'content_block_start': {
        const block = event.content_block;
        if (!isRecord(block) || typeof event.index !== 'number') throw new ModelError(ANTHROPIC_MALFORMED_STREAM);
        if (block.type === 'tool_use') this.calls.set(event.index, { id: block.id ?? '', name: block.name ?? '', arguments: '', input: block.input });
        if (block.type === 'text' && block.text) {
          this.textOut += block.text;
          return block.text;
        }
        return undefined;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (!isRecord(delta) || typeof event.index !== 'number') throw new ModelError(ANTHROPIC_MALFORMED_STREAM);
        if (delta.type === 'text_delta' && delta.text) {
          this.textOut += delta.text;
          return delta.text;
        }
        if (delta.type === 'thinking_delta' && delta.thinking) this.thinking += delta.thinking;
        if (delta.type === 'input_json_delta') {
          const call = this.calls.get(event.index);
          if (!call) throw new ModelError(ANTHROPIC_MALFORMED_STREAM);
          call.arguments += delta.partial_json ?? '';
        }
        return undefined;
      }
      case 'message_delta':
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        this.mergeUsage(event.usage);
        return undefined;
      default:
        // content_block_stop, message_stop, ping: nothing to fold.
        return undefined;
    }
  }

  /** The whole answer. @throws ModelError when no message_start came ({@link ANTHROPIC_NO_MESSAGE}). */
  result(): CreateResult {
    if (!this.started) throw new ModelError(ANTHROPIC_NO_MESSAGE);
    const calls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      // A tool with no arguments streams no JSON: its input is the block's own (`{}`).
      .map(([, c]) => ({ id: c.id, name: c.name, arguments: c.arguments || JSON.stringify(c.input ?? {}) }));
    const result = finish(this.textOut, calls, this.thinking, this.stopReason, this.usage);
    if (this.model !== undefined) result.model = this.model;
    return result;
  }

  private mergeUsage(usage: AnthropicWireUsage | null | undefined): void {
    if (!isRecord(usage)) return;
    if (typeof usage.input_tokens === 'number') this.usage.input_tokens = usage.input_tokens;
    if (typeof usage.output_tokens === 'number') this.usage.output_tokens = usage.output_tokens;
  }
}
