/**
 * The team interface the server and the CLI drive (AgentChat's Team).
 */
import type { Configurable } from '../components/component-model.js';
import type { IOStream } from '../io/io-stream.js';
import type { AgentMessage, ChatMessage, TaskResult } from '../messages.js';
import type { TeamState } from '../state.js';
import type { ChatAgent } from '../agents/chat-agent.js';

/** A task: text (becomes a TextMessage from `user`), one chat message, or several. */
export type TaskInput = string | ChatMessage | readonly ChatMessage[];

export interface RunOptions {
  /** Aborting stops the run: whatever is in flight is aborted and runStream throws CancelledError. */
  signal?: AbortSignal;
  /** Where UserProxyAgents ask for input (else the AsyncLocalStorage / process default). */
  io?: IOStream;
  /**
   * Yield the task messages and keep them in the TaskResult (default true). A team that is a
   * participant of another team runs with false, as AgentChat's `output_task_messages=False`.
   */
  outputTaskMessages?: boolean;
}

/** An item of a run's stream: a message or event, or (always last) the TaskResult. */
export type TeamStreamItem = AgentMessage | TaskResult;

export interface Team extends Configurable {
  readonly componentType: 'team';
  /** How a parent team knows this team when it is one of its participants (AgentChat's team `name`). */
  readonly name: string;
  /** What a parent team's selector sees about this team. */
  readonly description: string;
  readonly participants: readonly ChatAgent[];
  /**
   * Runs the team on a task. Yields the task messages, then every message and event in order
   * (chunks included), then the TaskResult. Throws CancelledError (carrying the signal's reason)
   * when the signal aborts, RunStateError when the team is already running, and whatever an
   * agent or model throws (ModelError, …) otherwise.
   */
  runStream(task?: TaskInput, options?: RunOptions): AsyncGenerator<TeamStreamItem, void, undefined>;
  /** runStream, collected: resolves with the TaskResult. */
  run(task?: TaskInput, options?: RunOptions): Promise<TaskResult>;
  /** Forgets the conversation, the agents' memories and the termination state. */
  reset(): Promise<void>;
  /**
   * The conversation so far and every agent's memory, as JSON (AgentChat's save_state), so that
   * a freshly loaded team of the same config can continue it later. Throws RunStateError while running.
   */
  saveState(): Promise<TeamState>;
  /**
   * Continues from what saveState returned. Throws RunStateError (and stays reset) when the state
   * does not fit: another team kind, other participant names, another agent kind, a bad shape, or
   * while running. The termination condition starts fresh, as after any finished run.
   */
  loadState(state: unknown): Promise<void>;
  /** Releases every participant's model client and workbenches. */
  close(): Promise<void>;
}

/** Tells the TaskResult (last item of runStream) from the messages before it. */
export function isTaskResult(item: TeamStreamItem): item is TaskResult {
  return !('type' in item);
}
