/**
 * Model clients for OpenAI-compatible Chat Completions servers (OpenAI itself, Azure OpenAI, and
 * any local server that speaks the format). This is the only module that imports the `openai`
 * SDK; the message mapping lives in openai-mapping.ts and is shared by both clients.
 */
import type { z } from 'zod';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, AzureOpenAI } from 'openai';
import { ConfigError, EngineError, ModelError, cancelledFrom, throwIfAborted } from '../errors.js';
import type { ChatCompletionClient, CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem } from './model-client.js';
import {
  AzureOpenAIClientConfigSchema,
  CREATE_ARG_KEYS,
  OpenAIClientConfigSchema,
  parseClientConfig,
  resolveModelInfo,
  type AzureOpenAIClientConfig,
  type OpenAIClientConfig,
} from './openai-config.js';
import { StreamAccumulator, buildRequest, fromCompletion } from './openai-mapping.js';

/** Where a key or base URL comes from when the config has none (the process env by default). */
export interface OpenAIClientEnv {
  apiKey?: string;
  baseUrl?: string;
}

/** A local server needs no key, but the SDK refuses to start without one. */
const PLACEHOLDER_API_KEY = 'not-needed';

/** The shared half of both clients: request building, streaming, and error mapping. */
abstract class ChatCompletionsClient implements ChatCompletionClient {
  readonly modelInfo: ModelInfo;
  private sdk: OpenAI | undefined;

  protected constructor(
    private readonly model: string,
    private readonly createArgs: Record<string, unknown>,
    modelInfo: ModelInfo,
    /** The longest wait for the next chunk; the SDK's own timeout stops at the response headers. */
    private readonly streamIdleMs: number,
  ) {
    this.modelInfo = modelInfo;
  }

  /** Builds the SDK client; throws a ModelError when no usable credentials exist. */
  protected abstract makeSdk(): OpenAI;

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    throwIfAborted(options.signal);
    const request = buildRequest(this.model, messages, options, this.createArgs);
    try {
      const completion = await this.client().chat.completions.create(
        { ...request, stream: false },
        { signal: options.signal },
      );
      return fromCompletion(completion);
    } catch (error) {
      throw toEngineError(error, options.signal);
    }
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    throwIfAborted(options.signal);
    const request = buildRequest(this.model, messages, options, this.createArgs);
    const accumulator = new StreamAccumulator();
    // One controller for the HTTP request: the caller's abort and a stalled stream both end it.
    const controller = new AbortController();
    const forwardAbort = () => controller.abort();
    options.signal?.addEventListener('abort', forwardAbort, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.streamIdleMs);
    };
    try {
      // Until the headers arrive, the SDK's own timeout and retries apply.
      const stream = await this.client().chat.completions.create(
        { ...request, stream: true, stream_options: { include_usage: true } },
        { signal: controller.signal },
      );
      rearm();
      for await (const chunk of stream) {
        const delta = accumulator.push(chunk);
        if (delta) {
          clearTimeout(timer); // time the consumer spends on a delta is not the server stalling
          yield delta;
        }
        rearm();
      }
    } catch (error) {
      if (stalled && !options.signal?.aborted) throw stallError(this.streamIdleMs);
      throw toEngineError(error, options.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', forwardAbort);
    }
    // The SDK ends an aborted stream quietly instead of throwing; it is still a cancellation.
    throwIfAborted(options.signal);
    if (stalled) throw stallError(this.streamIdleMs);
    yield accumulator.result();
  }

  async close(): Promise<void> {
    // fetch keeps no per-client sockets worth closing; dropping the SDK object is enough.
    this.sdk = undefined;
  }

  private client(): OpenAI {
    this.sdk ??= this.makeSdk();
    return this.sdk;
  }
}

function stallError(ms: number): ModelError {
  return new ModelError(`Model stream stalled: no data for ${ms / 1000} seconds`);
}

/** The SDK's default request timeout, which also bounds the wait between streamed chunks. */
const DEFAULT_TIMEOUT_SECONDS = 600;

function idleMs(config: { timeout?: number | null }): number {
  return Math.round((config.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000);
}

/** Which of a config's keys go into every request body (those set, nulls left out). */
function pickCreateArgs(config: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const key of CREATE_ARG_KEYS) if (config[key] !== undefined && config[key] !== null) args[key] = config[key];
  return args;
}

/** SDK options both clients share; AGS gives the timeout in seconds, the SDK wants milliseconds. */
function commonSdkOptions(config: {
  timeout?: number | null;
  max_retries?: number | null;
  default_headers?: Record<string, string> | null;
  organization?: string | null;
}) {
  return {
    organization: config.organization ?? null,
    project: null,
    ...(config.timeout != null ? { timeout: Math.round(config.timeout * 1000) } : {}),
    ...(config.max_retries != null ? { maxRetries: config.max_retries } : {}),
    ...(config.default_headers ? { defaultHeaders: config.default_headers } : {}),
  };
}

/**
 * AGS's `autogen_ext.models.openai.OpenAIChatCompletionClient`: any OpenAI-compatible server.
 * The key comes from `api_key`, else `env.apiKey`; the base URL from `base_url`, else `env.baseUrl`.
 * Without `env`, OPENAI_API_KEY and OPENAI_BASE_URL are read from the process environment.
 */
export class OpenAIChatCompletionClient extends ChatCompletionsClient {
  private readonly config: OpenAIClientConfig;
  private readonly settings: z.output<typeof OpenAIClientConfigSchema>;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string | undefined;

  /** @throws ConfigError when the config is malformed (naming the key, e.g. `config.temperature`). */
  constructor(config: OpenAIClientConfig, env?: OpenAIClientEnv) {
    const parsed = parseClientConfig(OpenAIClientConfigSchema, config);
    super(parsed.model, pickCreateArgs(parsed), resolveModelInfo(parsed.model, parsed.model_info), idleMs(parsed));
    const fallback = env ?? { apiKey: process.env.OPENAI_API_KEY, baseUrl: process.env.OPENAI_BASE_URL };
    this.config = structuredClone(config);
    this.settings = parsed;
    this.apiKey = parsed.api_key ?? (fallback.apiKey || undefined);
    this.baseUrl = parsed.base_url ?? (fallback.baseUrl || undefined);
  }

  /** Builds a client from an untyped config (a ComponentModel's `config`). */
  static fromConfig(config: unknown, env?: OpenAIClientEnv): OpenAIChatCompletionClient {
    return new OpenAIChatCompletionClient(parseClientConfig(OpenAIClientConfigSchema, config), env);
  }

  /** The config this client was built from (never with a key taken from the environment). */
  toConfig(): OpenAIClientConfig {
    return structuredClone(this.config);
  }

  protected makeSdk(): OpenAI {
    if (!this.apiKey && !this.baseUrl) {
      throw new ModelError('No OpenAI API key: set api_key in the model client config or OPENAI_API_KEY in the environment');
    }
    return new OpenAI({
      apiKey: this.apiKey ?? PLACEHOLDER_API_KEY,
      baseURL: this.baseUrl ?? 'https://api.openai.com/v1',
      ...commonSdkOptions(this.settings),
    });
  }
}

/**
 * AGS's `autogen_ext.models.openai.AzureOpenAIChatCompletionClient`: `azure_endpoint`,
 * `azure_deployment`, `api_version` and `api_key` (else `env.apiKey`, else AZURE_OPENAI_API_KEY).
 */
export class AzureOpenAIChatCompletionClient extends ChatCompletionsClient {
  private readonly config: AzureOpenAIClientConfig;
  private readonly settings: z.output<typeof AzureOpenAIClientConfigSchema>;
  private readonly apiKey: string | undefined;

  constructor(config: AzureOpenAIClientConfig, env?: Pick<OpenAIClientEnv, 'apiKey'>) {
    const parsed = parseClientConfig(AzureOpenAIClientConfigSchema, config);
    const deployment = parsed.azure_deployment ?? parsed.model;
    if (!deployment) throw new ConfigError('config.azure_deployment', 'azure_deployment (or model) is required');
    super(deployment, pickCreateArgs(parsed), resolveModelInfo(parsed.model ?? deployment, parsed.model_info), idleMs(parsed));
    this.config = structuredClone(config);
    this.settings = parsed;
    this.apiKey = parsed.api_key ?? ((env ? env.apiKey : process.env.AZURE_OPENAI_API_KEY) || undefined);
  }

  static fromConfig(config: unknown, env?: Pick<OpenAIClientEnv, 'apiKey'>): AzureOpenAIChatCompletionClient {
    return new AzureOpenAIChatCompletionClient(parseClientConfig(AzureOpenAIClientConfigSchema, config), env);
  }

  toConfig(): AzureOpenAIClientConfig {
    return structuredClone(this.config);
  }

  protected makeSdk(): OpenAI {
    if (!this.apiKey) {
      throw new ModelError('No Azure OpenAI API key: set api_key in the model client config or AZURE_OPENAI_API_KEY in the environment');
    }
    const { azure_endpoint, azure_deployment, model, api_version } = this.settings;
    return new AzureOpenAI({
      apiKey: this.apiKey,
      endpoint: azure_endpoint,
      deployment: azure_deployment ?? model ?? undefined,
      apiVersion: api_version,
      ...commonSdkOptions(this.settings),
    });
  }
}

/**
 * Every failure becomes an engine error: an abort is a CancelledError (the caller's stop, not a
 * model failure); an HTTP error a ModelError with the status and the server's own message.
 */
function toEngineError(error: unknown, signal: AbortSignal | undefined): EngineError {
  if (signal?.aborted) return cancelledFrom(signal);
  if (error instanceof EngineError) return error;
  if (error instanceof APIConnectionTimeoutError) return new ModelError('Model request timed out', { cause: error });
  if (error instanceof APIConnectionError) {
    return new ModelError(`Could not reach the model server: ${describe(error)}`, { cause: error });
  }
  if (error instanceof APIError) {
    const body: unknown = error.error;
    const serverMessage =
      typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : error.message;
    if (error.status === undefined) return new ModelError(`Model stream failed: ${serverMessage}`, { cause: error });
    return new ModelError(`Model request failed with HTTP ${error.status}: ${serverMessage}`, { status: error.status, cause: error });
  }
  // Anything else is the connection failing while the body streams (undici says "terminated").
  return new ModelError(`Model stream failed: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
