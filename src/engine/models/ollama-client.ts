/**
 * OllamaChatCompletionClient (autogen_ext.models.ollama): Ollama's native `POST /api/chat`, plain
 * or streamed as NDJSON, through the egress policy's fetch. Usage is Ollama's own count
 * (`prompt_eval_count`, `eval_count`); tool calls and their thought are read as AgentChat reads them.
 */
import { EgressRefusedError, ResponseLimitError, shorten, upstreamMessage, type EgressPolicy } from '../egress/index.js';
import { ConfigError, EngineError, ModelError, cancelledFrom } from '../errors.js';
import { withTraceContext } from '../telemetry/index.js';
import { guardedStream } from './guarded-stream.js';
import type { FunctionCall, RequestUsage } from '../messages.js';
import type { Configurable } from '../components/component-model.js';
import { approximateTokens } from '../agents/model-context-limited.js';
import { tagUsageModel } from '../cost/usage-model.js';
import type { ChatCompletionClient, CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem, ToolSchema } from './model-client.js';
import {
  OllamaClientConfigSchema,
  ollamaBaseUrl,
  ollamaTokenLimit,
  requestArgs,
  resolveOllamaModelInfo,
  type OllamaClientConfig,
} from './ollama-config.js';
import { OllamaChatChunkSchema, finishReason, toFunctionCalls, toOllamaMessages, toOllamaTools, type OllamaChatChunk } from './ollama-mapping.js';

export const OLLAMA_CLIENT_PROVIDER = 'autogen_ext.models.ollama.OllamaChatCompletionClient';

/** Most bytes of one NDJSON line of a stream; a longer line is a malformed stream. */
const MAX_LINE_BYTES = 1024 * 1024;
/** The longest wait between streamed lines without a `timeout` (ms): the other clients' default request timeout, 600 s. */
const DEFAULT_STREAM_IDLE_MS = 600_000;

export class OllamaChatCompletionClient implements ChatCompletionClient, Configurable {
  readonly provider = OLLAMA_CLIENT_PROVIDER;
  readonly componentType = 'model' as const;
  readonly modelInfo: ModelInfo;
  private readonly chatUrl: URL;
  private readonly args: Record<string, unknown>;
  private readonly fetch: typeof globalThis.fetch;
  private toolCallCount = 0;
  /** `timeout` (s) in ms; absent: none for a plain answer, DEFAULT_STREAM_IDLE_MS between streamed lines. */
  private readonly timeoutMs: number | undefined;

  /**
   * @param config as AGS writes it (see ollama-config.ts); kept as given for `toConfig`
   * @param egress every request goes through its fetch (a loopback Ollama needs EGRESS_ALLOW)
   * @throws ConfigError for a bad config, or an unknown model without `model_info`
   */
  constructor(
    private readonly config: OllamaClientConfig,
    egress: EgressPolicy,
  ) {
    const parsed = OllamaClientConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`config.${issue.path.join('.')}`, issue.message);
    }
    if (parsed.data.model_info && parsed.data.model_capabilities) {
      throw new ConfigError('config.model_capabilities', 'model_capabilities and model_info are mutually exclusive');
    }
    this.modelInfo = resolveOllamaModelInfo(parsed.data);
    const base = ollamaBaseUrl(parsed.data.host);
    this.chatUrl = new URL(`${base.pathname.replace(/\/+$/, '')}/api/chat`, base.origin);
    this.args = requestArgs(config);
    this.fetch = withTraceContext(egress.fetch);
    this.timeoutMs = typeof parsed.data.timeout === 'number' ? parsed.data.timeout * 1000 : undefined;
  }

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    const response = await this.post(messages, options, false);
    let chunk: OllamaChatChunk;
    try {
      chunk = OllamaChatChunkSchema.parse(await response.json());
    } catch (error) {
      throw this.failure(error, options.signal, 'answer');
    }
    const model = chunk.model || undefined;
    const usage = tagUsageModel(usageOf(chunk), String(this.config.model));
    const message = chunk.message ?? {};
    if (message.tool_calls) {
      return {
        finish_reason: 'function_calls',
        content: toFunctionCalls(message.tool_calls, () => this.nextCallId()),
        usage,
        cached: false,
        ...(message.content ? { thought: message.content } : {}),
        ...(model ? { model } : {}),
      };
    }
    return { finish_reason: finishReason(chunk.done_reason), content: message.content ?? '', usage, cached: false, ...(model ? { model } : {}) };
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    const text: string[] = [];
    const calls: FunctionCall[] = [];
    let last: OllamaChatChunk | undefined;
    let doneReason: string | null | undefined;
    // `timeout` bounds the wait for the answer to start, then each wait between lines (as httpx's
    // read timeout does for AgentChat), never the whole answer: a long answer is not cut off.
    yield* guardedStream<string>({
      signal: options.signal,
      idleMs: this.timeoutMs ?? DEFAULT_STREAM_IDLE_MS,
      open: async (signal) => ndjsonLines(await this.post(messages, { ...options, signal }, true)),
      push: (line) => {
        const chunk = OllamaChatChunkSchema.parse(JSON.parse(line));
        last = chunk;
        if (chunk.done && doneReason === undefined) doneReason = chunk.done_reason;
        if (chunk.message?.tool_calls) calls.push(...toFunctionCalls(chunk.message.tool_calls, () => this.nextCallId()));
        const content = chunk.message?.content;
        if (content) text.push(content);
        return content || undefined;
      },
      toError: (error) => this.failure(error, options.signal, 'stream'),
    });
    if (!last) throw new ModelError('The Ollama stream ended without a response');
    // Every line names the model (Ollama's `model`); the last one is the answer's.
    const model = last.model || undefined;
    const usage = tagUsageModel(usageOf(last), String(this.config.model));
    const reported = model ? { model } : {};
    if (calls.length > 0) {
      // Text that came with tool calls is the model's thought, as AgentChat reads it.
      yield {
        finish_reason: finishReason(doneReason),
        content: calls,
        usage,
        cached: false,
        ...(text.length ? { thought: text.join('') } : {}),
        ...reported,
      };
      return;
    }
    yield { finish_reason: finishReason(doneReason), content: text.join(''), usage, cached: false, ...reported };
  }

  /**
   * Tokens of a request, estimated with approximateTokens (AgentChat counts with tiktoken's
   * cl100k_base, which is not bundled here; Ollama itself reports the real count as usage).
   */
  countTokens(messages: LLMMessage[], tools: ToolSchema[] = []): number {
    return approximateTokens(messages, tools);
  }

  /** The model's context window (AgentChat's table) less {@link countTokens}; throws ConfigError for a model not in the table. */
  remainingTokens(messages: LLMMessage[], tools: ToolSchema[] = []): number {
    const limit = ollamaTokenLimit(String(this.config.model));
    if (limit === undefined) throw new ConfigError('config.model', `the context window of "${this.config.model}" is unknown; set token_limit`);
    return limit - this.countTokens(messages, tools);
  }

  async close(): Promise<void> {}

  /** The config exactly as it was given (AGS's keys, model_info included). */
  toConfig(): Record<string, unknown> {
    return structuredClone(this.config) as Record<string, unknown>;
  }

  private nextCallId(): string {
    // Ollama gives calls no id; AgentChat numbers them with a counter, so do we (one per call).
    return String(this.toolCallCount++);
  }

  private async post(messages: LLMMessage[], options: CreateOptions, stream: boolean): Promise<Response> {
    // What the model cannot take is refused before any request, as AgentChat refuses it.
    if (
      !this.modelInfo.vision &&
      messages.some((m) => m.type === 'UserMessage' && Array.isArray(m.content) && m.content.some((p) => typeof p !== 'string'))
    ) {
      throw new ModelError(`${String(this.config.model)} does not support vision and an image was provided (model_info.vision is false)`);
    }
    // tool_choice 'none' sends no tools at all, as AgentChat does for Ollama.
    const tools = options.toolChoice === 'none' ? [] : (options.tools ?? []);
    if (!this.modelInfo.function_calling && tools.length > 0) {
      throw new ModelError(
        `${String(this.config.model)} does not support function calling and tools were provided (model_info.function_calling is false)`,
      );
    }
    const extra = options.extraCreateArgs ? requestArgs(options.extraCreateArgs) : {};
    const body: Record<string, unknown> = {
      ...this.args,
      ...extra,
      messages: toOllamaMessages(messages),
      ...(tools.length ? { tools: toOllamaTools(tools) } : {}),
      stream,
    };
    // `timeout` bounds a whole plain answer, but a streamed one only until it starts (then the
    // stream's idle limit takes over, see createStream).
    const deadline = this.timeoutMs === undefined ? undefined : new AbortController();
    const timer = deadline && setTimeout(() => deadline.abort(new DOMException('Ollama request timed out', 'TimeoutError')), this.timeoutMs);
    const signals = [options.signal, deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
    let response: Response;
    try {
      response = await this.fetch(this.chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.config.headers ?? {}) },
        body: JSON.stringify(body),
        ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (error) {
      clearTimeout(timer);
      throw this.failure(error, options.signal, 'request');
    }
    if (stream) clearTimeout(timer);
    else timer?.unref(); // ends with the answer's body; it must not hold the process open after
    if (!response.ok) {
      const raw = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const message = upstreamMessage(parsed);
      throw new ModelError(`Ollama request failed with HTTP ${response.status}${message ? `: ${message}` : ''}`, { status: response.status });
    }
    return response;
  }

  private failure(error: unknown, signal: AbortSignal | undefined, what: 'request' | 'answer' | 'stream'): EngineError {
    if (signal?.aborted) return cancelledFrom(signal);
    if (error instanceof EgressRefusedError || error instanceof ResponseLimitError) return new ModelError(error.message, { cause: error });
    if (error instanceof EngineError) return error;
    if (error instanceof DOMException && error.name === 'TimeoutError') return new ModelError('Ollama request timed out', { cause: error });
    if (what === 'request') {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      if (cause instanceof EgressRefusedError) return new ModelError(cause.message, { cause: error });
      return new ModelError(`Could not reach Ollama at ${this.chatUrl.origin}: ${shorten(cause instanceof Error ? cause.message : String(cause))}`, {
        cause: error,
      });
    }
    return new ModelError(`Ollama sent a malformed ${what}`, { cause: error });
  }
}

function usageOf(chunk: OllamaChatChunk): RequestUsage {
  return { prompt_tokens: chunk.prompt_eval_count ?? 0, completion_tokens: chunk.eval_count ?? 0 };
}

/** The non-empty lines of an NDJSON body, as they arrive. */
async function* ndjsonLines(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield line;
    }
    if (buffered.length > MAX_LINE_BYTES) throw new ModelError(`An Ollama stream line is longer than ${MAX_LINE_BYTES} bytes`);
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest) yield rest;
}
