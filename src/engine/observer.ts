/**
 * Hooks through which the host watches the engine's model and tool calls (for metrics), without
 * the engine knowing what watches. Each hook is called at one point: model calls by the client
 * wrapper {@link observeModelClient} (applied at load when LoadContext.observer is set), tool
 * calls at the tool-call site (agents/tool-calls.ts). A hook that throws is ignored: watching
 * must never break a run.
 */
import type { RequestUsage } from './messages.js';
import { isCreateResult, type ChatCompletionClient, type CreateResult } from './models/model-client.js';

/** One finished model call (`create`, or a `createStream` run to its end or failure). */
export interface ModelCallObservation {
  /** OpenTelemetry GenAI `gen_ai.provider.name`-style name: `openai`, `azure.ai.openai`, `anthropic`, `ollama`, `replay`, else the client class. */
  provider: string;
  /** The model the config asks for (`config.model`), or `unknown`. */
  model: string;
  /** Wall time of the call, in milliseconds. */
  ms: number;
  /** Set when the call failed (a cancelled call counts as failed too). */
  error?: unknown;
  /** Token usage the model reported (absent on failure). */
  usage?: RequestUsage;
  /** True when the answer came from a cache, not the model. */
  cached?: boolean;
}

/** One tool call run through a workbench. */
export interface ToolCallObservation {
  /** The tool's name as the model called it. */
  tool: string;
  /** Wall time of the call, in milliseconds. */
  ms: number;
  /** True when the tool threw or returned an error result (`is_error`). */
  error: boolean;
}

export interface EngineObserver {
  onModelCall?(observation: ModelCallObservation): void;
  onToolCall?(observation: ToolCallObservation): void;
}

/** The short provider name of a model client's ComponentModel provider (its class name picks it). */
export function modelProviderName(componentProvider: string): string {
  const className = componentProvider.split('.').pop() ?? componentProvider;
  const known: Record<string, string> = {
    OpenAIChatCompletionClient: 'openai',
    AzureOpenAIChatCompletionClient: 'azure.ai.openai',
    AnthropicChatCompletionClient: 'anthropic',
    OllamaChatCompletionClient: 'ollama',
    ReplayChatCompletionClient: 'replay',
  };
  return known[className] ?? className;
}

/**
 * What a model client's calls are labelled with, in metrics and spans alike: the provider as
 * {@link modelProviderName} names it, and the requested model (the config's `model`, else an Azure
 * config's `azure_deployment`; undefined when it names none).
 */
export function modelCallLabels(componentProvider: string, config: unknown): { provider: string; model: string | undefined } {
  const c = typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
  const model = c.model ?? c.azure_deployment;
  return { provider: modelProviderName(componentProvider), model: typeof model === 'string' && model !== '' ? model : undefined };
}

/** Calls a hook, ignoring what it throws. */
export function notify<T>(hook: ((value: T) => void) | undefined, value: T): void {
  try {
    hook?.(value);
  } catch {
    // An observer's failure is not the run's.
  }
}

/**
 * The client with its `create` and `createStream` reported to `observer` (one observation per
 * call). A Proxy, so the client keeps its class (dumpComponent, instanceof) and every other member.
 */
export function observeModelClient(
  client: ChatCompletionClient,
  labels: { provider: string; model: string },
  observer: EngineObserver,
): ChatCompletionClient {
  const report = (started: number, result?: CreateResult, error?: unknown) =>
    notify(observer.onModelCall?.bind(observer), {
      ...labels,
      ms: performance.now() - started,
      ...(error === undefined ? {} : { error }),
      ...(result ? { usage: result.usage, cached: result.cached } : {}),
    });
  const create: ChatCompletionClient['create'] = async (messages, options) => {
    const started = performance.now();
    try {
      const result = await client.create(messages, options);
      report(started, result);
      return result;
    } catch (error) {
      report(started, undefined, error ?? new Error('model call failed'));
      throw error;
    }
  };
  const createStream: ChatCompletionClient['createStream'] = async function* (messages, options) {
    const started = performance.now();
    let result: CreateResult | undefined;
    let failed: unknown;
    try {
      for await (const item of client.createStream(messages, options)) {
        if (isCreateResult(item)) result = item;
        yield item;
      }
    } catch (error) {
      failed = error ?? new Error('model call failed');
      throw error;
    } finally {
      // A consumer that stops early (a cancelled run) ends the call without a result: a failure.
      report(started, result, failed ?? (result ? undefined : new Error('model stream ended early')));
    }
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'create') return create;
      if (property === 'createStream') return createStream;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the client itself (private fields do not exist on the Proxy).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
