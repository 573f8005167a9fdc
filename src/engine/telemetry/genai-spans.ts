/**
 * Spans of the OpenTelemetry GenAI semantic conventions: `invoke_agent {agent}` for an agent's
 * turn, `chat {model}` for a model call, `execute_tool {tool}` for a tool call. Content (messages,
 * tool arguments and results) only with captureContent(); never API keys or headers.
 */
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { FunctionCall, FunctionExecutionResult } from '../messages.js';
import { isCreateResult, type ChatCompletionClient, type CreateResult, type LLMMessage, type ModelStreamItem } from '../models/model-client.js';
import { captureContent, iterateInSpan, recordFailure, tracer } from './tracer.js';

/** Wraps one agent's turn (its onMessagesStream) in `invoke_agent {agent}`, started now. */
export function traceAgentTurn<T>(agentName: string, turn: AsyncIterable<T>): AsyncIterable<T> {
  const span = tracer.startSpan(`invoke_agent ${agentName}`, {
    kind: SpanKind.INTERNAL,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName },
  });
  return iterateInSpan(
    span,
    (async function* (): AsyncGenerator<T, void, undefined> {
      yield* turn;
    })(),
  );
}

/**
 * Runs one tool call in `execute_tool {tool}` (`gen_ai.tool.name`, `gen_ai.tool.call.id`;
 * `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` with content capture). A result with
 * `is_error` marks the span failed (`error.type` `tool_error`); a throw is recorded and rethrown.
 */
export async function traceToolCall(call: FunctionCall, execute: () => Promise<FunctionExecutionResult>): Promise<FunctionExecutionResult> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': call.name,
    'gen_ai.tool.call.id': call.id,
    'gen_ai.tool.type': 'function',
  };
  if (captureContent()) attributes['gen_ai.tool.call.arguments'] = call.arguments;
  return tracer.startActiveSpan(`execute_tool ${call.name}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      const result = await execute();
      if (captureContent()) span.setAttribute('gen_ai.tool.call.result', result.content);
      if (result.is_error) recordFailure(span, Object.assign(new Error(result.content), { name: 'tool_error' }));
      return result;
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Where a model call goes, as the model client's component config says. */
export interface ModelTarget {
  /** `gen_ai.provider.name` (modelCallLabels: `openai`, `azure.ai.openai`, `anthropic`, …). */
  provider: string;
  /** `gen_ai.request.model`: the config's `model` / `azure_deployment`, when it names one. */
  model: string | undefined;
}

/**
 * Puts `chat {model}` spans around every `create` / `createStream` of `client` (its methods are
 * replaced on the instance, so its identity, class and component metadata stay). The loader leaves
 * a cache client alone: the client it wraps has its own spans, so a cache hit is a turn with no chat span.
 */
export function traceModelClient<C>(client: C, target: ModelTarget): C {
  const model = client as unknown as ChatCompletionClient;
  if (typeof model.create !== 'function' || typeof model.createStream !== 'function') return client;
  const { provider, model: requested } = target;
  const start = (messages: LLMMessage[]) => {
    const attributes: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider };
    if (requested) attributes['gen_ai.request.model'] = requested;
    if (captureContent()) attributes['gen_ai.input.messages'] = JSON.stringify(messages);
    return tracer.startSpan(requested ? `chat ${requested}` : 'chat', { kind: SpanKind.CLIENT, attributes });
  };
  const finish = (span: ReturnType<typeof start>, result: CreateResult) => {
    span.setAttribute('gen_ai.usage.input_tokens', result.usage.prompt_tokens);
    span.setAttribute('gen_ai.usage.output_tokens', result.usage.completion_tokens);
    span.setAttribute('gen_ai.response.finish_reasons', [result.finish_reason]);
    if (result.model) span.setAttribute('gen_ai.response.model', result.model);
    if (captureContent()) span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', content: result.content }]));
  };
  const create = model.create.bind(model);
  const createStream = model.createStream.bind(model);
  model.create = (messages, options) => {
    const span = start(messages);
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        const result = await create(messages, options);
        finish(span, result);
        return result;
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };
  model.createStream = (messages, options) => {
    const span = start(messages);
    let result: CreateResult | undefined;
    const stream = (async function* (): AsyncGenerator<ModelStreamItem, void, undefined> {
      yield* createStream(messages, options);
    })();
    return iterateInSpan(
      span,
      stream,
      (item) => {
        if (isCreateResult(item)) result = item;
      },
      () => result && finish(span, result),
    );
  };
  return client;
}
