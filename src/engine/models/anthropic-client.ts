/**
 * AGS's `autogen_ext.models.anthropic.AnthropicChatCompletionClient`, on the official
 * `@anthropic-ai/sdk`. This and anthropic-errors.ts are the only modules that import the SDK.
 *
 * As with the OpenAI client: every request goes through the egress policy's fetch (checked,
 * pinned destination); the SDK reads nothing from the process environment (no
 * ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL / ANTHROPIC_CUSTOM_HEADERS / ANTHROPIC_LOG, no
 * credential profiles on disk); the server's own key goes only to the endpoint it belongs to.
 */
import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import type { z } from 'zod';
import { ANTHROPIC_DEFAULT_BASE_URL, keyFor, serverEgressPolicy, type EgressPolicy } from '../egress/index.js';
import { ConfigError, ModelError, throwIfAborted } from '../errors.js';
import { withTraceContext } from '../telemetry/index.js';
import {
  ANTHROPIC_CREATE_ARG_KEYS,
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  AnthropicClientConfigSchema,
  resolveAnthropicModelInfo,
  type AnthropicClientConfig,
} from './anthropic-config.js';
import { toAnthropicEngineError } from './anthropic-errors.js';
import { guardedStream } from './guarded-stream.js';
import {
  AnthropicStreamAccumulator,
  buildAnthropicRequest,
  fromAnthropicMessage,
  type AnthropicWireAnswer,
  type AnthropicWireEvent,
} from './anthropic-mapping.js';
import { tagUsageModel } from '../cost/usage-model.js';
import type { ChatCompletionClient, CreateOptions, CreateResult, LLMMessage, ModelInfo, ModelStreamItem } from './model-client.js';
import type { ModelClientOptions } from './openai-client.js';
import { parseClientConfig } from './openai-config.js';

export const ANTHROPIC_CLIENT_PROVIDER = 'autogen_ext.models.anthropic.AnthropicChatCompletionClient';

/** The SDK's default request timeout (10 minutes), which also bounds the wait between streamed events. */
const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * The SDK with its fallbacks to ambient credentials turned off: with no key given, it would
 * otherwise look for a credential profile on disk and in ANTHROPIC_* variables.
 */
class NoAmbientCredentialsAnthropic extends Anthropic {
  protected override _shouldResolveDefaultCredentials(): boolean {
    return false;
  }
}

/**
 * A model client for the Anthropic Messages API (Claude). The endpoint is `base_url`, else the
 * operator's ANTHROPIC_BASE_URL, else the official one. The key is `api_key` (sent to whatever
 * endpoint the config names, subject to the egress policy), else the server's ANTHROPIC_API_KEY,
 * but only when the endpoint is the one that key belongs to.
 */
export class AnthropicChatCompletionClient implements ChatCompletionClient {
  /** AGS's provider string; with componentType and toConfig() it makes the client dump itself (Configurable). */
  readonly provider = ANTHROPIC_CLIENT_PROVIDER;
  readonly componentType = 'model' as const;
  readonly modelInfo: ModelInfo;
  private readonly config: AnthropicClientConfig;
  private readonly settings: z.output<typeof AnthropicClientConfigSchema>;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string;
  private readonly egress: EgressPolicy;
  private readonly createArgs: Record<string, unknown>;
  private readonly streamIdleMs: number;
  private sdk: Anthropic | undefined;

  /**
   * @throws ConfigError when the config is malformed (naming the key, e.g. `config.temperature`),
   *   or when `base_url` is a destination the egress policy refuses without DNS (`config.base_url`).
   */
  constructor(config: AnthropicClientConfig, options?: ModelClientOptions) {
    const parsed = parseClientConfig(AnthropicClientConfigSchema, config);
    const credentials = options?.credentials ?? {};
    this.egress = options?.egress ?? serverEgressPolicy(credentials);
    this.baseUrl = parsed.base_url ?? credentials.anthropicBaseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
    const refusal = this.egress.precheck(this.baseUrl);
    if (refusal) throw new ConfigError('config.base_url', `Refused by the egress policy: ${refusal}`);
    this.apiKey = parsed.api_key ?? keyFor(credentials.anthropic, this.baseUrl);
    this.config = structuredClone(config);
    this.settings = parsed;
    this.modelInfo = resolveAnthropicModelInfo(parsed.model, parsed.model_info, parsed.model_capabilities);
    this.createArgs = {};
    for (const key of ANTHROPIC_CREATE_ARG_KEYS) if (parsed[key] != null) this.createArgs[key] = parsed[key];
    this.streamIdleMs = Math.round((parsed.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000);
  }

  /** Builds a client from an untyped config (a ComponentModel's `config`). */
  static fromConfig(config: unknown, options?: ModelClientOptions): AnthropicChatCompletionClient {
    return new AnthropicChatCompletionClient(parseClientConfig(AnthropicClientConfigSchema, config), options);
  }

  /** The config this client was built from (never with a key taken from the environment). */
  toConfig(): AnthropicClientConfig {
    return structuredClone(this.config);
  }

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    throwIfAborted(options.signal);
    const request = this.request(messages, options);
    try {
      const sdk = this.client(); // a missing key is reported before any network use
      await this.egress.check(this.baseUrl);
      const answer = await sdk.messages.create({ ...request, stream: false } as unknown as Anthropic.MessageCreateParamsNonStreaming, {
        signal: options.signal,
      });
      const result = fromAnthropicMessage(answer as unknown as AnthropicWireAnswer);
      const reported: unknown = (answer as { model?: unknown }).model;
      if (typeof reported === 'string' && reported !== '') result.model = reported;
      tagUsageModel(result.usage, result.model ?? this.settings.model);
      return result;
    } catch (error) {
      throw toAnthropicEngineError(error, options.signal, !!this.apiKey);
    }
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    throwIfAborted(options.signal);
    const request = this.request(messages, options);
    const accumulator = new AnthropicStreamAccumulator();
    yield* guardedStream({
      signal: options.signal,
      idleMs: this.streamIdleMs,
      open: async (signal) => {
        const sdk = this.client();
        await this.egress.check(this.baseUrl);
        return sdk.messages.create({ ...request, stream: true } as unknown as Anthropic.MessageCreateParamsStreaming, { signal });
      },
      push: (event) => accumulator.push(event as unknown as AnthropicWireEvent),
      toError: (error) => toAnthropicEngineError(error, options.signal, !!this.apiKey, true),
    });
    const result = accumulator.result();
    tagUsageModel(result.usage, result.model ?? this.settings.model);
    yield result;
  }

  async close(): Promise<void> {
    this.sdk = undefined;
  }

  private request(messages: LLMMessage[], options: CreateOptions) {
    const maxTokens = this.settings.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
    return buildAnthropicRequest(this.settings.model, maxTokens, messages, options, this.createArgs);
  }

  private client(): Anthropic {
    this.sdk ??= this.makeSdk();
    return this.sdk;
  }

  /** @throws ModelError when the official endpoint is named and there is no key for it */
  private makeSdk(): Anthropic {
    if (!this.apiKey && sameHost(this.baseUrl, ANTHROPIC_DEFAULT_BASE_URL)) {
      throw new ModelError('No Anthropic API key: set api_key in the model client config or ANTHROPIC_API_KEY in the environment');
    }
    const own = this.settings.default_headers ?? undefined;
    // With no key (a local server), no auth header goes at all: null removes the SDK's.
    const defaultHeaders: ClientOptions['defaultHeaders'] = this.apiKey ? own : { 'X-Api-Key': null, Authorization: null, ...own };
    const sdk = new NoAmbientCredentialsAnthropic({
      apiKey: this.apiKey ?? null,
      authToken: null,
      webhookKey: null,
      // Always given, never ANTHROPIC_BASE_URL from the environment: the operator's comes in the credentials.
      baseURL: this.baseUrl,
      fetch: withTraceContext(this.egress.fetch),
      logLevel: 'warn',
      // The SDK's own tracing would read OTEL settings from the environment and add trace headers.
      openTelemetry: { traces: false, propagation: false },
      ...(this.settings.timeout != null ? { timeout: Math.round(this.settings.timeout * 1000) } : {}),
      ...(this.settings.max_retries != null ? { maxRetries: this.settings.max_retries } : {}),
      ...(defaultHeaders ? { defaultHeaders } : {}),
    });
    // The constructor adds ANTHROPIC_CUSTOM_HEADERS from the environment to the default headers; undo that.
    const internals = sdk as unknown as { _options: ClientOptions };
    internals._options = { ...internals._options, defaultHeaders };
    return sdk;
  }
}

function sameHost(a: string, b: string): boolean {
  return new URL(a).hostname === new URL(b).hostname;
}
