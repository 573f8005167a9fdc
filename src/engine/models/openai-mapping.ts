/**
 * The mapping between the engine's LLM messages and the Chat Completions wire format, shared by
 * the OpenAI and Azure clients. The wire types below are the JSON shapes of the API (a subset),
 * declared here so that openai-client.ts stays the only module that imports the `openai` SDK.
 */
import { ModelError } from '../errors.js';
import type { FunctionCall, ImageContent } from '../messages.js';
import type { CreateOptions, CreateResult, FinishReason, LLMMessage, ToolSchema } from './model-client.js';

export type WireContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
export type WireMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | WireContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; name?: string; tool_calls?: WireToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string };
export interface WireTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown>; strict?: boolean };
}
export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** What the client sends: the fixed fields plus the config's and the call's create arguments. */
export interface WireRequest {
  model: string;
  messages: WireMessage[];
  tools?: WireTool[];
  tool_choice?: 'auto' | 'required' | 'none';
  [createArg: string]: unknown;
}

/** The parts of a non-streamed completion the client reads. */
export interface WireCompletion {
  choices: {
    message: {
      content?: string | null;
      reasoning_content?: string | null;
      tool_calls?: { id: string; type: string; function?: { name: string; arguments: string } }[] | null;
    };
    finish_reason: string | null;
  }[];
  usage?: WireUsage | null;
}

/** The parts of a streamed chunk the client reads. */
export interface WireChunk {
  choices: {
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      tool_calls?: { index: number; id?: string | null; function?: { name?: string | null; arguments?: string | null } | null }[] | null;
    } | null;
    finish_reason: string | null;
  }[];
  usage?: WireUsage | null;
}

/** Said when a model server's streamed chunks are not Chat Completions chunks. */
export const MALFORMED_STREAM = 'The model server sent a malformed stream';
/** Said when a model server's (non-streamed) answer is not a Chat Completion. */
export const MALFORMED_ANSWER = 'The model server sent a malformed answer';
/** Said when an answer (streamed or not) ended without any choice: nothing was completed. */
export const NO_COMPLETION = "The model server's answer had no completion";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAI's rule for the optional `name` of a message; a source that breaks it is left out. */
const MESSAGE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function named(source: string): { name?: string } {
  return MESSAGE_NAME.test(source) ? { name: source } : {};
}

function userPart(part: string | ImageContent): WireContentPart {
  return typeof part === 'string' ? { type: 'text', text: part } : { type: 'image_url', image_url: { url: part.url } };
}

/** LLM messages → Chat Completions messages (one `tool` message per function result). */
export function toWireMessages(messages: readonly LLMMessage[]): WireMessage[] {
  return messages.flatMap((message): WireMessage[] => {
    switch (message.type) {
      case 'SystemMessage':
        return [{ role: 'system', content: message.content }];
      case 'UserMessage':
        return [
          {
            role: 'user',
            content: typeof message.content === 'string' ? message.content : message.content.map(userPart),
            ...named(message.source),
          },
        ];
      case 'AssistantMessage':
        if (typeof message.content === 'string') return [{ role: 'assistant', content: message.content, ...named(message.source) }];
        return [
          {
            role: 'assistant',
            // The text a model said alongside its tool calls comes back as the assistant's content.
            content: message.thought ?? null,
            tool_calls: message.content.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
            ...named(message.source),
          },
        ];
      case 'FunctionExecutionResultMessage':
        return message.content.map((result) => ({ role: 'tool', content: result.content, tool_call_id: result.call_id }));
    }
  });
}

export function toWireTools(tools: readonly ToolSchema[]): WireTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      description: t.description,
      parameters: t.parameters,
      ...(t.strict !== undefined ? { strict: t.strict } : {}),
    },
  }));
}

/**
 * The request body: model and messages, the config's create arguments, then the call's own
 * (`extraCreateArgs` wins). `tool_choice` only goes with tools: the API refuses it alone.
 */
export function buildRequest(
  model: string,
  messages: readonly LLMMessage[],
  options: CreateOptions,
  configArgs: Record<string, unknown>,
): WireRequest {
  const request: WireRequest = { model, messages: toWireMessages(messages), ...configArgs, ...options.extraCreateArgs };
  if (options.tools && options.tools.length > 0) {
    request.tools = toWireTools(options.tools);
    if (options.toolChoice) request.tool_choice = options.toolChoice;
  }
  return request;
}

export function toFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return 'function_calls';
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content_filter':
      return reason;
    case 'tool_calls':
    case 'function_call':
      return 'function_calls';
    default:
      return 'unknown';
  }
}

function toUsage(usage: WireUsage | null | undefined): CreateResult['usage'] {
  return { prompt_tokens: usage?.prompt_tokens ?? 0, completion_tokens: usage?.completion_tokens ?? 0 };
}

function finish(
  text: string,
  calls: FunctionCall[],
  reasoning: string | undefined,
  reason: string | null | undefined,
  usage: WireUsage | null | undefined,
): CreateResult {
  const result: CreateResult = {
    finish_reason: toFinishReason(reason, calls.length > 0),
    content: calls.length > 0 ? calls : text,
    usage: toUsage(usage),
    cached: false,
  };
  // Reasoning the server returns separately is the thought; else text said next to tool calls is.
  const thought = reasoning || (calls.length > 0 && text ? text : undefined);
  if (thought) result.thought = thought;
  return result;
}

/** A non-streamed completion → CreateResult. */
export function fromCompletion(completion: WireCompletion): CreateResult {
  // The body is whatever JSON the server sent: its shape is checked before it is read.
  const choices: unknown = isRecord(completion) ? completion.choices : undefined;
  if (!Array.isArray(choices) || choices.length === 0) throw new ModelError(NO_COMPLETION);
  const first: unknown = choices[0];
  if (!isRecord(first) || !isRecord(first.message)) throw new ModelError(MALFORMED_ANSWER);
  const choice = first as unknown as WireCompletion['choices'][number];
  if (choice.message.tool_calls != null && !Array.isArray(choice.message.tool_calls)) throw new ModelError(MALFORMED_ANSWER);
  const calls: FunctionCall[] = (choice?.message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' && call.function ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
  );
  return finish(choice?.message.content ?? '', calls, choice?.message.reasoning_content ?? undefined, choice?.finish_reason, completion.usage);
}

/**
 * Folds streamed chunks into one CreateResult. Tool calls arrive in pieces keyed by `index`
 * (the id and name first, the arguments spread over later chunks), several per response.
 * A chunk of the wrong shape throws a ModelError ({@link MALFORMED_STREAM}); a stream that
 * ended without any choice throws one from {@link StreamAccumulator.result} ({@link NO_COMPLETION}).
 */
export class StreamAccumulator {
  private text = '';
  private reasoning = '';
  private readonly calls = new Map<number, FunctionCall>();
  private finishReason: string | null = null;
  private usage: WireUsage | null = null;
  private choiceSeen = false;

  /**
   * Takes one chunk; returns its text delta, if it has one.
   * @throws ModelError when the chunk is not a Chat Completions chunk (a usage-only chunk may leave out `choices`)
   */
  push(chunk: WireChunk): string | undefined {
    // The chunk is whatever JSON the server sent: its shape is checked before it is read.
    const raw: unknown = chunk;
    if (!isRecord(raw)) throw new ModelError(MALFORMED_STREAM);
    if (raw.choices == null && isRecord(raw.usage)) {
      this.usage = chunk.usage ?? null;
      return undefined;
    }
    if (!Array.isArray(raw.choices)) throw new ModelError(MALFORMED_STREAM);
    if (isRecord(raw.usage)) this.usage = chunk.usage ?? null;
    let delta: string | undefined;
    for (const choice of chunk.choices) {
      if (!isRecord(choice) || (choice.delta != null && !isRecord(choice.delta))) throw new ModelError(MALFORMED_STREAM);
      this.choiceSeen = true;
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
      const d = choice.delta;
      if (!d) continue;
      if (d.tool_calls != null && !(Array.isArray(d.tool_calls) && d.tool_calls.every((piece) => isRecord(piece)))) {
        throw new ModelError(MALFORMED_STREAM);
      }
      if (d.reasoning_content) this.reasoning += d.reasoning_content;
      if (d.content) {
        this.text += d.content;
        delta = (delta ?? '') + d.content;
      }
      for (const piece of d.tool_calls ?? []) {
        const call = this.calls.get(piece.index) ?? { id: '', name: '', arguments: '' };
        if (piece.id) call.id = piece.id;
        if (piece.function?.name) call.name += piece.function.name;
        if (piece.function?.arguments) call.arguments += piece.function.arguments;
        this.calls.set(piece.index, call);
      }
    }
    return delta;
  }

  /** The whole answer. @throws ModelError when no chunk carried a choice ({@link NO_COMPLETION}). */
  result(): CreateResult {
    if (!this.choiceSeen) throw new ModelError(NO_COMPLETION);
    const calls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return finish(this.text, calls, this.reasoning || undefined, this.finishReason, this.usage);
  }
}
