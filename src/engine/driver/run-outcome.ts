/**
 * What one run of a team produced, as every front end reports it: the events as they came, then
 * exactly one outcome. The shapes follow AgentChat's TaskResult (messages, stop_reason) plus
 * the usage and duration AutoGen Studio's TeamResult adds.
 */
import type { RunCost } from '../cost/run-cost.js';
import type { AgentMessage, RequestUsage } from '../messages.js';

/** How a run ended; `complete` is AgentChat's normal end (a termination condition, max_turns). */
export type RunStatus = 'complete' | 'stopped' | 'error';

interface OutcomeBase {
  /**
   * Every message and event the run yielded, chunks excluded, task echo included — the
   * TaskResult's `messages` (for `complete`, the team's own TaskResult list).
   */
  messages: AgentMessage[];
  /** Model usage summed over every message of the run (tokens). */
  usage: RequestUsage;
  /** USD, as AG2's run completion reports it; only when the driver had prices and some call's model was known. */
  cost?: RunCost;
  /** Wall-clock duration of the run, in seconds. */
  durationS: number;
}

export type RunOutcome =
  /** The team ended by itself; `stopReason` is the termination condition's text (null if none). */
  | (OutcomeBase & { status: 'complete'; stopReason: string | null })
  /** The run was stopped: by its caller's signal (with the caller's reason) or by a run cap. */
  | (OutcomeBase & { status: 'stopped'; stopReason: string })
  /**
   * Something failed (a config, a model, a tool, the input channel); `stopReason` is the engine
   * error's text, or a fixed text for any other error (a bug), which only `error` carries.
   */
  | (OutcomeBase & { status: 'error'; stopReason: string; error: Error });

/** One item of a driven run: a message or event as the team yielded it (chunks too), or the outcome (always last). */
export type RunEvent = { type: 'message'; message: AgentMessage } | { type: 'outcome'; outcome: RunOutcome };
