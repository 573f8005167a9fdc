/**
 * AssistantAgent: an agent backed by a model, with tools, hand-offs and streaming
 * (AgentChat's AssistantAgent, same events in the same order).
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, ModelError, RunStateError } from '../errors.js';
import { createMessage, LLM_CALL_EVENT_SOURCE, llmCallEventContent, type AgentMessage, type ChatMessage, type FunctionCall } from '../messages.js';
import type { ChatCompletionClient, CreateResult, LLMMessage } from '../models/model-client.js';
import type { AgentState } from '../state.js';
import type { Tool } from '../tools/tool.js';
import { StaticWorkbench, type Workbench } from '../tools/workbench.js';
import { dumpComponent } from '../components/dump.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent, type Response } from './chat-agent.js';
import { handoffContext, resolveHandoff, type Handoff, type HandoffConfig } from './handoffs.js';
import { receivedToLLM } from './chat-message-llm.js';
import { UnboundedChatCompletionContext, type ChatCompletionContext } from './model-context.js';
import type { Memory } from '../memory/memory.js';
import type { EngineObserver } from '../observer.js';
import { executeToolCalls, listToolSet, summarizeToolCalls, type ToolSet } from './tool-calls.js';

export const DEFAULT_ASSISTANT_DESCRIPTION = 'An agent that provides assistance with ability to use tools.';
export const DEFAULT_SYSTEM_MESSAGE =
  'You are a helpful AI assistant. Solve tasks using your tools. Reply with TERMINATE when the task has been completed.';

export interface AssistantAgentOptions {
  name: string;
  modelClient: ChatCompletionClient;
  description?: string;
  /** `null` sends no system message. */
  systemMessage?: string | null;
  /** In-process tools; they are served through one StaticWorkbench. Not together with `workbench`. */
  tools?: readonly Tool[];
  workbench?: readonly Workbench[];
  handoffs?: readonly HandoffConfig[];
  modelContext?: ChatCompletionContext;
  /** Consulted before each turn's model calls: each adds to the model context (AgentChat's `memory`). */
  memory?: readonly Memory[];
  /** Stream the model's text as ModelClientStreamingChunkEvents. */
  modelClientStream?: boolean;
  /** After the tool calls, ask the model once more and answer with its text. */
  reflectOnToolUse?: boolean;
  /** Else the answer is a ToolCallSummaryMessage built with this (`{result}`, `{tool_name}`, `{arguments}`). */
  toolCallSummaryFormat?: string;
  /** How many rounds of tool calls the model may make in one turn. */
  maxToolIterations?: number;
  metadata?: Record<string, string>;
  /** Yield an LLMCallEventMessage after each model call (AGS's `show_llm_call_events`; LoadContext.llmCallEvents). */
  llmCallEvents?: boolean;
  /** Told of every tool call (LoadContext.observer). */
  observer?: EngineObserver;
}

export class AssistantAgent implements ChatAgent {
  readonly provider = 'autogen_agentchat.agents.AssistantAgent';
  readonly componentType = 'agent' as const;
  readonly name: string;
  readonly description: string;
  readonly handoffs: readonly Handoff[];
  private readonly workbenches: readonly Workbench[];
  private readonly context: ChatCompletionContext;

  constructor(private readonly options: AssistantAgentOptions) {
    if (!AGENT_NAME.test(options.name)) {
      throw new ConfigError('config.name', `agent name "${options.name}" must be an identifier (letters, digits, _)`);
    }
    if (options.tools?.length && options.workbench?.length) {
      throw new ConfigError('config.workbench', 'give tools or workbench, not both');
    }
    const maxIterations = options.maxToolIterations ?? 1;
    if (!Number.isInteger(maxIterations) || maxIterations < 1) {
      throw new ConfigError('config.max_tool_iterations', 'must be an integer of at least 1');
    }
    this.name = options.name;
    this.description = options.description ?? DEFAULT_ASSISTANT_DESCRIPTION;
    this.handoffs = (options.handoffs ?? []).map(resolveHandoff);
    this.workbenches = options.tools?.length ? [new StaticWorkbench(options.tools)] : [...(options.workbench ?? [])];
    this.context = options.modelContext ?? new UnboundedChatCompletionContext();
    const toolNames = new Set((options.tools ?? []).map((t) => t.name));
    for (const [i, h] of this.handoffs.entries()) {
      if (toolNames.has(h.name)) throw new ConfigError(`config.handoffs[${i}]`, `handoff tool "${h.name}" clashes with a tool of the same name`);
    }
  }

  /** The agents this one can hand off to. */
  get handoffTargets(): string[] {
    return this.handoffs.map((h) => h.target);
  }

  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    // A hand-off brings what led to it (AgentChat): its tool calls and results, or the thought.
    for (const item of receivedToLLM(newMessages)) this.context.addMessage(item);
    const inner: AgentMessage[] = [];
    const emit = (event: AgentMessage): AgentMessage => (inner.push(event), event);
    const respond = (chat_message: ChatMessage): Response => ({ type: 'Response', chat_message, inner_messages: inner });

    // What the memories add goes into the context, and is reported, before the model is asked (AgentChat).
    for (const memory of this.options.memory ?? []) {
      const { memories } = await memory.updateContext(this.context);
      if (memories.length > 0) yield emit(createMessage('MemoryQueryEvent', this.name, { content: memories }));
    }
    const tools = await listToolSet(this.workbenches, this.handoffs);
    let messageId = randomUUID();
    let result = yield* this.callModel(ctx, messageId, tools);
    if (result.thought) yield emit(this.thoughtEvent(result.thought));
    if (typeof result.content === 'string') {
      yield respond(this.textMessage(messageId, result));
      return;
    }

    const maxIterations = this.options.maxToolIterations ?? 1;
    let calls: FunctionCall[] = result.content;
    let results = [] as Awaited<ReturnType<typeof executeToolCalls>>;
    for (let iteration = 0; ; iteration++) {
      yield emit(createMessage('ToolCallRequestEvent', this.name, { content: calls }, { models_usage: result.usage }));
      results = await executeToolCalls(calls, tools, ctx.signal, this.options.observer);
      yield emit(createMessage('ToolCallExecutionEvent', this.name, { content: results }));
      this.context.addMessage({ type: 'FunctionExecutionResultMessage', content: results });

      // The first hand-off the model asked for wins (AgentChat warns about the others and ignores them).
      const handoff = calls.map((c) => tools.handoffByTool.get(c.name)).find((h) => h !== undefined);
      if (handoff) {
        const context = handoffContext(this.name, calls, results, new Set(tools.handoffByTool.keys()), result.thought);
        yield respond(createMessage('HandoffMessage', this.name, { content: handoff.message, target: handoff.target, context }));
        return;
      }
      if (iteration + 1 >= maxIterations) break;

      messageId = randomUUID();
      result = yield* this.callModel(ctx, messageId, tools);
      if (result.thought) yield emit(this.thoughtEvent(result.thought));
      if (typeof result.content === 'string') {
        yield respond(this.textMessage(messageId, result));
        return;
      }
      calls = result.content;
    }

    if (this.options.reflectOnToolUse) {
      messageId = randomUUID();
      // Reflection gets no tools: its job is to put the results into words.
      const reflection = yield* this.callModel(ctx, messageId, undefined);
      if (reflection.thought) yield emit(this.thoughtEvent(reflection.thought));
      if (typeof reflection.content !== 'string') throw new ModelError(`${this.name}: the reflection on tool use returned tool calls`);
      yield respond(this.textMessage(messageId, reflection));
      return;
    }
    const format = this.options.toolCallSummaryFormat ?? '{result}';
    const summary = createMessage('ToolCallSummaryMessage', this.name, {
      content: summarizeToolCalls(format, calls, results),
      tool_calls: calls,
      results,
    });
    yield respond(summary);
  }

  async reset(): Promise<void> {
    this.context.clear();
  }

  async saveState(): Promise<AgentState> {
    return { type: 'AssistantAgentState', version: 1, llm_context: this.context.saveState() };
  }

  async loadState(state: AgentState): Promise<void> {
    if (state.type !== 'AssistantAgentState') throw new RunStateError(`${this.name} is an AssistantAgent and cannot load a ${state.type}`);
    this.context.loadState(state.llm_context);
  }

  async close(): Promise<void> {
    await Promise.all([this.options.modelClient.close(), ...this.workbenches.map((w) => w.close())]);
  }

  toConfig(): Record<string, unknown> {
    const o = this.options;
    const config: Record<string, unknown> = {
      name: this.name,
      description: this.description,
      system_message: o.systemMessage === undefined ? DEFAULT_SYSTEM_MESSAGE : o.systemMessage,
      model_client: dumpComponent(o.modelClient),
    };
    if (o.tools !== undefined) config.tools = o.tools.map((t) => dumpComponent(t));
    else config.workbench = this.workbenches.map((w) => dumpComponent(w));
    config.handoffs = [...(o.handoffs ?? [])];
    config.model_context = dumpComponent(this.context);
    if (o.memory?.length) config.memory = o.memory.map((m) => dumpComponent(m));
    config.model_client_stream = o.modelClientStream ?? false;
    config.reflect_on_tool_use = o.reflectOnToolUse ?? false;
    config.tool_call_summary_format = o.toolCallSummaryFormat ?? '{result}';
    config.max_tool_iterations = o.maxToolIterations ?? 1;
    config.metadata = { ...(o.metadata ?? {}) };
    return config;
  }

  /** One model call; with streaming, yields a chunk per delta tagged with the final message's id. */
  private async *callModel(ctx: AgentContext, messageId: string, tools: ToolSet | undefined): AsyncGenerator<AgentMessage, CreateResult> {
    const system: LLMMessage[] = this.systemMessage() === null ? [] : [{ type: 'SystemMessage', content: this.systemMessage()! }];
    const messages = [...system, ...this.context.getMessages()];
    const options = { signal: ctx.signal, tools: tools?.schemas.length ? tools.schemas : undefined };
    let result: CreateResult | undefined;
    if (!this.options.modelClientStream) {
      result = await this.options.modelClient.create(messages, options);
    } else {
      for await (const item of this.options.modelClient.createStream(messages, options)) {
        if (typeof item !== 'string') result = item;
        else if (item.length > 0) {
          yield createMessage('ModelClientStreamingChunkEvent', this.name, { content: item, full_message_id: messageId });
        }
      }
      if (!result) throw new ModelError(`${this.name}: the model stream ended without a result`);
    }
    this.context.addMessage({ type: 'AssistantMessage', content: result.content, source: this.name, thought: result.thought });
    if (this.options.llmCallEvents) {
      yield createMessage('LLMCallEventMessage', LLM_CALL_EVENT_SOURCE, { content: llmCallEventContent(this.name, messages, result) });
    }
    return result;
  }

  private systemMessage(): string | null {
    return this.options.systemMessage === undefined ? DEFAULT_SYSTEM_MESSAGE : this.options.systemMessage;
  }

  private textMessage(id: string, result: CreateResult): ChatMessage {
    return createMessage('TextMessage', this.name, { content: result.content as string }, { id, models_usage: result.usage });
  }

  private thoughtEvent(thought: string): AgentMessage {
    return createMessage('ThoughtEvent', this.name, { content: thought });
  }
}
