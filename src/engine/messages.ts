/**
 * AgentChat's messages and events, as they appear on the wire (protocol §1.7).
 * Every object carries exactly: id, source, models_usage, metadata, created_at, the type's own
 * fields, and `type` (the AgentChat class name), in that order, as AgentChat's dumps do.
 */
import { randomUUID } from 'node:crypto';

export interface RequestUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** USD, set by the run driver when the reporting model has a price (../cost/); absent otherwise, never 0 for unknown. */
  cost?: number;
}

/** A tool call the model asked for. `arguments` is the JSON text the model produced. */
export interface FunctionCall {
  id: string;
  name: string;
  arguments: string;
}

export interface FunctionExecutionResult {
  content: string;
  name: string;
  call_id: string;
  is_error: boolean;
}

/** An image inside a MultiModalMessage: a data URL (`data:<mime>;base64,…`). */
export interface ImageContent {
  url: string;
  alt?: string;
}

interface MessageBase {
  id: string;
  source: string;
  models_usage: RequestUsage | null;
  metadata: Record<string, string>;
  created_at: string;
}

export interface TextMessage extends MessageBase {
  content: string;
  type: 'TextMessage';
}
export interface MultiModalMessage extends MessageBase {
  content: (string | ImageContent)[];
  type: 'MultiModalMessage';
}
export interface StopMessage extends MessageBase {
  content: string;
  type: 'StopMessage';
}
export interface HandoffMessage extends MessageBase {
  content: string;
  target: string;
  context: unknown[];
  type: 'HandoffMessage';
}
export interface ToolCallSummaryMessage extends MessageBase {
  content: string;
  tool_calls: FunctionCall[];
  results: FunctionExecutionResult[];
  type: 'ToolCallSummaryMessage';
}

export interface ToolCallRequestEvent extends MessageBase {
  content: FunctionCall[];
  type: 'ToolCallRequestEvent';
}
export interface ToolCallExecutionEvent extends MessageBase {
  content: FunctionExecutionResult[];
  type: 'ToolCallExecutionEvent';
}
export interface ModelClientStreamingChunkEvent extends MessageBase {
  content: string;
  full_message_id: string;
  type: 'ModelClientStreamingChunkEvent';
}
export interface ThoughtEvent extends MessageBase {
  content: string;
  type: 'ThoughtEvent';
}
export interface SelectSpeakerEvent extends MessageBase {
  content: string[];
  type: 'SelectSpeakerEvent';
}
/**
 * AGS's LLMCallEventMessage: one model call, sent when the run owner's settings have
 * `ui.show_llm_call_events` on. `source` is AGS's `llm_call_event`; `content` is the JSON of
 * AgentChat's LLMCallEvent (see {@link llmCallEventContent}): never any key or header.
 */
export interface LLMCallEventMessage extends MessageBase {
  content: string;
  type: 'LLMCallEventMessage';
}
/** What a streaming selector model answered (AgentChat's SelectorEvent, from the team's manager). */
export interface SelectorEvent extends MessageBase {
  content: string;
  type: 'SelectorEvent';
}
/** One item of an agent's memory (autogen_core.memory.MemoryContent). `content` is text or JSON. */
export interface MemoryContent {
  content: string | Record<string, unknown>;
  mime_type: string;
  metadata?: Record<string, unknown> | null;
}
/** What the agent's memories added to its model context before a model call (AgentChat's MemoryQueryEvent). */
export interface MemoryQueryEvent extends MessageBase {
  content: MemoryContent[];
  type: 'MemoryQueryEvent';
}
export interface UserInputRequestedEvent extends MessageBase {
  request_id: string;
  content: '';
  type: 'UserInputRequestedEvent';
}

/** Messages agents say to each other (what termination conditions and the history see). */
export type ChatMessage = TextMessage | MultiModalMessage | StopMessage | HandoffMessage | ToolCallSummaryMessage;
/** Things that happen inside an agent's turn; streamed to viewers, not part of the conversation. */
export type AgentEvent =
  | ToolCallRequestEvent
  | ToolCallExecutionEvent
  | ModelClientStreamingChunkEvent
  | ThoughtEvent
  | SelectSpeakerEvent
  | UserInputRequestedEvent
  | LLMCallEventMessage
  | MemoryQueryEvent
  | SelectorEvent;
export type AgentMessage = ChatMessage | AgentEvent;
export type AgentMessageType = AgentMessage['type'];

/** The `type` of every chat message, and of every message and event, as runtime lists. */
export const CHAT_MESSAGE_TYPES = [
  'TextMessage',
  'MultiModalMessage',
  'StopMessage',
  'HandoffMessage',
  'ToolCallSummaryMessage',
] as const satisfies readonly ChatMessage['type'][];
export const AGENT_MESSAGE_TYPES = [
  ...CHAT_MESSAGE_TYPES,
  'ToolCallRequestEvent',
  'ToolCallExecutionEvent',
  'ModelClientStreamingChunkEvent',
  'ThoughtEvent',
  'SelectSpeakerEvent',
  'UserInputRequestedEvent',
  'LLMCallEventMessage',
  'MemoryQueryEvent',
  'SelectorEvent',
] as const satisfies readonly AgentMessage['type'][];

const CHAT_TYPES: ReadonlySet<string> = new Set(CHAT_MESSAGE_TYPES);

export function isChatMessage(message: AgentMessage): message is ChatMessage {
  return CHAT_TYPES.has(message.type);
}

/** The outcome of a team run (AgentChat's TaskResult). */
export interface TaskResult {
  messages: AgentMessage[];
  stop_reason: string | null;
}

type OwnFields<M extends AgentMessage> = Omit<M, keyof MessageBase | 'type'>;
type CommonOverrides = Partial<Pick<MessageBase, 'id' | 'models_usage' | 'metadata' | 'created_at'>>;

/**
 * Builds a message with the common fields filled in and the keys in AgentChat's order.
 * `createMessage('TextMessage', 'user', { content: 'hi' })`.
 */
export function createMessage<T extends AgentMessageType>(
  type: T,
  source: string,
  fields: OwnFields<Extract<AgentMessage, { type: T }>>,
  common: CommonOverrides = {},
): Extract<AgentMessage, { type: T }> {
  return {
    id: common.id ?? randomUUID(),
    source,
    models_usage: common.models_usage ?? null,
    metadata: common.metadata ?? {},
    created_at: common.created_at ?? new Date().toISOString(),
    ...fields,
    type,
  } as Extract<AgentMessage, { type: T }>;
}

/** Text of a message for prompts, logs and termination checks. Images become `<image>`. */
export function messageToText(message: AgentMessage): string {
  switch (message.type) {
    case 'TextMessage':
    case 'StopMessage':
    case 'HandoffMessage':
    case 'ToolCallSummaryMessage':
    case 'ThoughtEvent':
    case 'SelectorEvent':
    case 'ModelClientStreamingChunkEvent':
    case 'UserInputRequestedEvent':
    case 'LLMCallEventMessage':
      return message.content;
    case 'MultiModalMessage':
      return message.content.map((part) => (typeof part === 'string' ? part : '<image>')).join('\n');
    case 'ToolCallRequestEvent':
      return message.content.map((call) => `${call.name}(${call.arguments})`).join('\n');
    case 'ToolCallExecutionEvent':
      return message.content.map((result) => result.content).join('\n');
    case 'SelectSpeakerEvent':
      return message.content.join(', ');
    case 'MemoryQueryEvent':
      return message.content.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  }
}

export function addUsage(a: RequestUsage, b: RequestUsage | null | undefined): RequestUsage {
  if (!b) return a;
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens };
}

export const ZERO_USAGE: Readonly<RequestUsage> = Object.freeze({ prompt_tokens: 0, completion_tokens: 0 });

/**
 * Whether a streamed item is part of the run's record (a team's thread, its termination checks,
 * the TaskResult): streaming chunks and LLM call events are for viewers only. AGS's LLM call
 * events come from a log beside the team, so they never reach its conditions or its result.
 */
export function isRecordedMessage(message: AgentMessage): boolean {
  return message.type !== 'ModelClientStreamingChunkEvent' && message.type !== 'LLMCallEventMessage';
}

/** AGS's `source` of an LLMCallEventMessage. */
export const LLM_CALL_EVENT_SOURCE = 'llm_call_event';

/**
 * The `content` of an LLMCallEventMessage: AgentChat's LLMCallEvent as JSON, `{type: "LLMCall",
 * messages, response, prompt_tokens, completion_tokens, agent_id}`. `messages` are the request's
 * LLM messages and `response` the CreateResult: what the model saw and said, never the client's
 * config, key or headers.
 */
export function llmCallEventContent(agentId: string, messages: readonly unknown[], response: { usage: RequestUsage }): string {
  return JSON.stringify({
    type: 'LLMCall',
    messages,
    response,
    prompt_tokens: response.usage.prompt_tokens,
    completion_tokens: response.usage.completion_tokens,
    agent_id: agentId,
  });
}
