/**
 * The agent interface teams drive (AgentChat's ChatAgent). An agent turn is a stream: the inner
 * events as they happen, then one Response carrying the chat message the agent says to the team.
 */
import type { Configurable } from '../components/component-model.js';
import type { IOStream } from '../io/io-stream.js';
import type { AgentMessage, ChatMessage } from '../messages.js';
import type { AgentState } from '../state.js';

/** What a team passes to every agent turn. */
export interface AgentContext {
  /** Aborted when the run is stopped; every async call of the turn takes it. */
  signal: AbortSignal;
  /** The run's IOStream, for agents that ask a human (else the AsyncLocalStorage default). */
  io?: IOStream;
}

/** The end of an agent turn: its chat message and the events that led to it. */
export interface Response {
  type: 'Response';
  chat_message: ChatMessage;
  inner_messages: AgentMessage[];
}

/** One item of an agent turn: an inner event (or chunk), or the final Response. */
export type AgentStreamItem = AgentMessage | Response;

export interface ChatAgent extends Configurable {
  readonly componentType: 'agent';
  /** Unique within a team; what other agents and conditions see as `source`. */
  readonly name: string;
  /** What selector prompts show about this agent. */
  readonly description: string;
  /**
   * Handles the messages said since this agent's last turn and takes its turn: yields inner
   * events (tool calls, chunks, thoughts, input requests) and ends with exactly one Response.
   */
  onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem>;
  /** Forgets the conversation (a new run of a reset team starts fresh). */
  reset(): Promise<void>;
  /** The agent's memory as JSON (AgentChat's save_state), so a conversation can continue later. */
  saveState(): Promise<AgentState>;
  /** Restores what saveState returned; throws RunStateError for another kind of agent's state. */
  loadState(state: AgentState): Promise<void>;
  /** Releases model clients, workbenches and the like. */
  close(): Promise<void>;
}

export function isResponse(item: AgentStreamItem): item is Response {
  return item.type === 'Response';
}

/** Agent names are used in prompts and as handoff tool names, so keep them identifier-like (as AgentChat does). */
export const AGENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
