/**
 * Model clients for OpenAI-compatible Chat Completions servers (OpenAI itself, Azure OpenAI, and
 * any local server that speaks the format). This and openai-errors.ts are the only modules that
 * import the `openai` SDK; the message mapping lives in openai-mapping.ts and is shared by both.
 *
 * Every request goes through the egress policy's fetch (checked, pinned destination), and the
 * server's own key is attached only when the config's endpoint is the one that key belongs to.
 */
import type { z } from 'zod';
import OpenAI, { AzureOpenAI, type ClientOptions } from 'openai';
import { EgressPolicy, OPENAI_DEFAULT_BASE_URL, keyFor, serverEgressPolicy, type ServerCredentials } from '../egress/index.js';
import { ConfigError, ModelError, throwIfAborted } from '../errors.js';
import { withTraceContext } from '../telemetry/index.js';
import { tagUsageModel } from '../cost/usage-model.js';
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
import { guardedStream } from './guarded-stream.js';
import { toEngineError } from './openai-errors.js';
import { StreamAccumulator, buildRequest, fromCompletion } from './openai-mapping.js';

/** What a model client may draw on beyond its config: the server's credentials and the egress policy. */
export interface ModelClientOptions {
  /**
   * The server's keys, each bound to its endpoint, and its OPENAI_BASE_URL (the LoadContext's).
   * Absent: none. Nothing is read from the process environment, here or by the SDK.
   */
  credentials?: ServerCredentials;
  /** Where requests may go. Absent: no exceptions beyond the endpoints of `credentials`. */
  egress?: EgressPolicy;
}

/** The credentials and policy a client uses, defaults filled in. */
function resolveOptions(options: ModelClientOptions | undefined): { credentials: ServerCredentials; egress: EgressPolicy } {
  const credentials = options?.credentials ?? {};
  return { credentials, egress: options?.egress ?? serverEgressPolicy(credentials) };
}

/**
 * Refuses at load time an endpoint the policy refuses without DNS (a literal private address,
 * `localhost`, a non-http scheme), so validation reports it before anything runs.
 */
function precheckEndpoint(egress: EgressPolicy, endpoint: string, path: string): void {
  const refusal = egress.precheck(endpoint);
  if (refusal) throw new ConfigError(path, `Refused by the egress policy: ${refusal}`);
}

/** Satisfies the SDK's constructor when no key is sent (the header itself is removed). */
const PLACEHOLDER_API_KEY = 'not-needed';

/**
 * The options of the SDK's constructors that otherwise default to the process environment
 * (OPENAI_ADMIN_KEY, OPENAI_WEBHOOK_SECRET, OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_LOG), given
 * explicitly; the base URL, key, organization and (Azure) endpoint and api version are always
 * passed by the callers. OPENAI_CUSTOM_HEADERS has no option: see {@link withOwnHeaders}.
 */
const NO_ENV_DEFAULTS = {
  adminAPIKey: null,
  webhookSecret: null,
  organization: null,
  project: null,
  logLevel: 'warn',
} as const satisfies ClientOptions;

/**
 * Puts back the default headers the SDK was given: its constructor adds OPENAI_CUSTOM_HEADERS
 * from the process environment to them, and has no option to turn that off.
 */
function withOwnHeaders<T extends OpenAI>(sdk: T, defaultHeaders: ClientOptions['defaultHeaders']): T {
  const own = sdk as unknown as { _options: ClientOptions };
  own._options = { ...own._options, defaultHeaders };
  return sdk;
}

/**
 * A bare OpenAI SDK client for a tool that calls another OpenAI API (generate_image: Images),
 * made here so this module stays the one that constructs the SDK. Nothing comes from the process
 * environment: the key, endpoint and fetch are the caller's.
 */
export function openAiSdkClient(options: {
  apiKey: string;
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  maxRetries: number;
}): OpenAI {
  const sdk = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    fetch: options.fetch,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    ...NO_ENV_DEFAULTS,
  });
  return withOwnHeaders(sdk, undefined);
}

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
    /** Checks and pins every request; its `fetch` is the SDK's. */
    protected readonly egress: EgressPolicy,
    /** The endpoint requests go to (base URL or Azure endpoint). */
    private readonly endpoint: string,
    /** Whether a real key goes with the requests (else a 401 is explained). */
    private readonly keySent: boolean,
  ) {
    this.modelInfo = modelInfo;
  }

  /** Builds the SDK client; throws a ModelError when no usable credentials exist. */
  protected abstract makeSdk(): OpenAI;

  async create(messages: LLMMessage[], options: CreateOptions = {}): Promise<CreateResult> {
    throwIfAborted(options.signal);
    const request = buildRequest(this.model, messages, options, this.createArgs);
    try {
      const sdk = this.client(); // a missing key is reported before any network use
      await this.checkDestination();
      const completion = await sdk.chat.completions.create({ ...request, stream: false }, { signal: options.signal });
      // Priced by the model the server says answered (a dated snapshot of the alias asked for).
      const result = fromCompletion(completion);
      if (typeof completion.model === 'string' && completion.model !== '') result.model = completion.model;
      tagUsageModel(result.usage, result.model ?? this.model);
      return result;
    } catch (error) {
      throw toEngineError(error, options.signal, this.keySent);
    }
  }

  async *createStream(messages: LLMMessage[], options: CreateOptions = {}): AsyncIterable<ModelStreamItem> {
    throwIfAborted(options.signal);
    const request = buildRequest(this.model, messages, options, this.createArgs);
    const accumulator = new StreamAccumulator();
    let reportedModel: string | undefined;
    yield* guardedStream({
      signal: options.signal,
      idleMs: this.streamIdleMs,
      open: async (signal) => {
        const sdk = this.client();
        await this.checkDestination();
        return sdk.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }, { signal });
      },
      push: (chunk) => {
        if (typeof chunk.model === 'string' && chunk.model !== '') reportedModel = chunk.model;
        return accumulator.push(chunk);
      },
      toError: (error) => toEngineError(error, options.signal, this.keySent, true),
    });
    const result = accumulator.result();
    if (reportedModel !== undefined) result.model = reportedModel;
    tagUsageModel(result.usage, reportedModel ?? this.model);
    yield result;
  }

  async close(): Promise<void> {
    // fetch keeps no per-client sockets worth closing; dropping the SDK object is enough.
    this.sdk = undefined;
  }

  private client(): OpenAI {
    this.sdk ??= this.makeSdk();
    return this.sdk;
  }

  /**
   * Refuses a destination before the SDK sees it: a refusal inside the SDK's fetch would be
   * retried as a connection error (max_retries times, with back-off). The fetch checks again
   * and connects to the address it checked.
   */
  private async checkDestination(): Promise<void> {
    await this.egress.check(this.endpoint);
  }
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
    ...NO_ENV_DEFAULTS,
    organization: config.organization ?? null,
    ...(config.timeout != null ? { timeout: Math.round(config.timeout * 1000) } : {}),
    ...(config.max_retries != null ? { maxRetries: config.max_retries } : {}),
    ...(config.default_headers ? { defaultHeaders: config.default_headers } : {}),
  };
}

/**
 * AGS's `autogen_ext.models.openai.OpenAIChatCompletionClient`: any OpenAI-compatible server.
 * The endpoint is `base_url`, else the operator's OPENAI_BASE_URL, else the official one. The
 * key is `api_key` (sent to whatever endpoint the config names, subject to the egress policy),
 * else the server's OPENAI_API_KEY, but only when the endpoint is the one that key belongs to.
 */
export class OpenAIChatCompletionClient extends ChatCompletionsClient {
  private readonly config: OpenAIClientConfig;
  private readonly settings: z.output<typeof OpenAIClientConfigSchema>;
  private readonly apiKey: string | undefined;
  private readonly baseUrl: string;

  /**
   * @throws ConfigError when the config is malformed (naming the key, e.g. `config.temperature`),
   *   or when `base_url` is a destination the egress policy refuses without DNS (`config.base_url`).
   */
  constructor(config: OpenAIClientConfig, options?: ModelClientOptions) {
    const parsed = parseClientConfig(OpenAIClientConfigSchema, config);
    const { credentials, egress } = resolveOptions(options);
    const baseUrl = parsed.base_url ?? credentials.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL;
    precheckEndpoint(egress, baseUrl, 'config.base_url');
    const apiKey = parsed.api_key ?? keyFor(credentials.openai, baseUrl);
    super(parsed.model, pickCreateArgs(parsed), resolveModelInfo(parsed.model, parsed.model_info), idleMs(parsed), egress, baseUrl, !!apiKey);
    this.config = structuredClone(config);
    this.settings = parsed;
    this.apiKey = apiKey;
    this.baseUrl = baseUrl;
  }

  /** Builds a client from an untyped config (a ComponentModel's `config`). */
  static fromConfig(config: unknown, options?: ModelClientOptions): OpenAIChatCompletionClient {
    return new OpenAIChatCompletionClient(parseClientConfig(OpenAIClientConfigSchema, config), options);
  }

  /** The config this client was built from (never with a key taken from the environment). */
  toConfig(): OpenAIClientConfig {
    return structuredClone(this.config);
  }

  protected makeSdk(): OpenAI {
    if (!this.apiKey && sameEndpointAsOfficial(this.baseUrl)) {
      throw new ModelError('No OpenAI API key: set api_key in the model client config or OPENAI_API_KEY in the environment');
    }
    const common = commonSdkOptions(this.settings);
    // ... and with no key, no Authorization header is sent at all (null removes the SDK's).
    const defaultHeaders = this.apiKey ? common.defaultHeaders : { Authorization: null, ...common.defaultHeaders };
    const sdk = new OpenAI({
      // A local server needs no key, but the SDK refuses to start without one ...
      apiKey: this.apiKey ?? PLACEHOLDER_API_KEY,
      // Always given (never OPENAI_BASE_URL from the environment): the operator's comes in the credentials.
      baseURL: this.baseUrl,
      fetch: withTraceContext(this.egress.fetch),
      ...common,
      ...(defaultHeaders ? { defaultHeaders } : {}),
    });
    return withOwnHeaders(sdk, defaultHeaders);
  }
}

function sameEndpointAsOfficial(url: string): boolean {
  return new URL(url).hostname === new URL(OPENAI_DEFAULT_BASE_URL).hostname;
}

/**
 * AGS's `autogen_ext.models.openai.AzureOpenAIChatCompletionClient`: `azure_endpoint`,
 * `azure_deployment`, `api_version` and `api_key`; without `api_key`, the server's
 * AZURE_OPENAI_API_KEY only when `azure_endpoint` is the operator's AZURE_OPENAI_ENDPOINT.
 */
export class AzureOpenAIChatCompletionClient extends ChatCompletionsClient {
  private readonly config: AzureOpenAIClientConfig;
  private readonly settings: z.output<typeof AzureOpenAIClientConfigSchema>;
  private readonly apiKey: string | undefined;

  /** @throws ConfigError for a malformed config or an `azure_endpoint` the egress policy refuses. */
  constructor(config: AzureOpenAIClientConfig, options?: ModelClientOptions) {
    const parsed = parseClientConfig(AzureOpenAIClientConfigSchema, config);
    const deployment = parsed.azure_deployment ?? parsed.model;
    if (!deployment) throw new ConfigError('config.azure_deployment', 'azure_deployment (or model) is required');
    const { credentials, egress } = resolveOptions(options);
    precheckEndpoint(egress, parsed.azure_endpoint, 'config.azure_endpoint');
    const apiKey = parsed.api_key ?? keyFor(credentials.azure, parsed.azure_endpoint);
    super(
      deployment,
      pickCreateArgs(parsed),
      resolveModelInfo(parsed.model ?? deployment, parsed.model_info),
      idleMs(parsed),
      egress,
      parsed.azure_endpoint,
      !!apiKey,
    );
    this.config = structuredClone(config);
    this.settings = parsed;
    this.apiKey = apiKey;
  }

  static fromConfig(config: unknown, options?: ModelClientOptions): AzureOpenAIChatCompletionClient {
    return new AzureOpenAIChatCompletionClient(parseClientConfig(AzureOpenAIClientConfigSchema, config), options);
  }

  toConfig(): AzureOpenAIClientConfig {
    return structuredClone(this.config);
  }

  protected makeSdk(): OpenAI {
    if (!this.apiKey) {
      throw new ModelError(
        'No Azure OpenAI API key: set api_key in the model client config, or AZURE_OPENAI_API_KEY with AZURE_OPENAI_ENDPOINT equal to this azure_endpoint in the environment',
      );
    }
    const { azure_endpoint, azure_deployment, model, api_version } = this.settings;
    const common = commonSdkOptions(this.settings);
    const sdk = new AzureOpenAI({
      apiKey: this.apiKey,
      // null, not absent: absent, the SDK takes OPENAI_BASE_URL from the environment and then
      // refuses to start ("baseURL and endpoint are mutually exclusive").
      baseURL: null,
      endpoint: azure_endpoint,
      deployment: azure_deployment ?? model ?? undefined,
      apiVersion: api_version,
      fetch: withTraceContext(this.egress.fetch),
      ...common,
    });
    return withOwnHeaders(sdk, common.defaultHeaders);
  }
}
