/**
 * The one loop over `team.runStream` that every front end uses (the run socket, /ws/chat,
 * /chat/completions, /api/validate/test and the CLI). It owns what a run needs beyond the team
 * itself: the human-input timeout, the run caps, the stop, the usage and duration, and the rule
 * that a run ends in exactly one outcome. It never throws: every failure is the `error` outcome.
 */
import { cancelledFrom, EngineError, InputUnavailableError, RunStateError } from '../errors.js';
import type { InputOptions, IOStream } from '../io/io-stream.js';
import { addUsage, isChatMessage, isRecordedMessage, ZERO_USAGE, type AgentMessage, type RequestUsage, type TaskResult } from '../messages.js';
import { RunCostMeter } from '../cost/run-cost.js';
import type { PriceTable } from '../cost/prices.js';
import { inheritSandboxOwner } from '../sandbox/run-owner.js';
import { traceInput, traceRun, type RunTelemetry } from '../telemetry/index.js';
import { isTaskResult, type TaskInput, type Team } from '../teams/team.js';
import type { RunEvent, RunOutcome } from './run-outcome.js';

/** Server-side limits of one run. Each is off when undefined. */
export interface DriveLimits {
  /** Seconds a human has to answer one input request; past it the run ends `stopped` with `Input timeout after <n> seconds`. */
  inputTimeoutS?: number;
  /** Agent turns (chat messages after the task) before the run ends `stopped`, whatever the team's own termination. */
  maxTurns?: number;
  /** Wall-clock seconds before the run ends `stopped`. */
  maxSeconds?: number;
}

export interface DriveOptions {
  /** The caller's stop: aborting it ends the run `stopped` with the signal's reason as stop reason. */
  signal?: AbortSignal;
  /** Where a human answers input requests. Without one, an input request ends the run `error` (InputUnavailableError). */
  io?: IOStream;
  limits?: DriveLimits;
  /** Model prices: with them each call's `models_usage.cost` (USD) is set and the outcome carries the run's `cost`. */
  prices?: PriceTable;
  /** What the run span records that the engine does not know (run id, session, team label, user). */
  telemetry?: RunTelemetry;
}

/** A team, or how to load one: a loaded team is the caller's to close; one the driver loads, the driver closes. */
export type TeamSource = Team | (() => Team | Promise<Team>);

/** The stop reason of a run that failed on something other than one of the engine's typed errors. */
export const INTERNAL_RUN_ERROR = 'Internal error in the run (see the server log)';

/** Stop reasons of the caps, as viewers and the database see them. */
export const stopReasons = {
  inputTimeout: (seconds: number) => `Input timeout after ${seconds} seconds`,
  maxTurns: (turns: number) => `Maximum of ${turns} agent turns reached (RUN_MAX_TURNS)`,
  maxSeconds: (seconds: number) => `Run time limit of ${seconds} seconds reached (RUN_MAX_SECONDS)`,
} as const;

/**
 * Runs `team` on `task`: yields every message and event as the team yields it (chunks included),
 * then exactly one `outcome` event, and returns. Never throws; a load error, a model or tool
 * failure, a missing human and a stream that ends without a TaskResult are `error` outcomes (an
 * error that is not an EngineError gets INTERNAL_RUN_ERROR as its stop reason); the
 * caller's abort and the caps are `stopped` ones. When the consumer stops iterating early the
 * run is aborted and a team the driver loaded is closed.
 */
export function driveTeam(source: TeamSource, task: TaskInput | undefined, options: DriveOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  return traceRun(drive(source, task, options), options.telemetry);
}

async function* drive(source: TeamSource, task: TaskInput | undefined, options: DriveOptions): AsyncGenerator<RunEvent, void, undefined> {
  const started = performance.now();
  const limits = options.limits ?? {};
  const caps = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, caps.signal]) : caps.signal;
  // The run's Python calls see this signal: it belongs to the same user as the one it joins.
  inheritSandboxOwner(options.signal, signal);
  const runTimer =
    limits.maxSeconds === undefined ? undefined : setTimeout(() => caps.abort(stopReasons.maxSeconds(limits.maxSeconds!)), limits.maxSeconds * 1000);
  runTimer?.unref();

  const messages: AgentMessage[] = [];
  let usage: RequestUsage = { ...ZERO_USAGE };
  // Priced here, the one place every front end's messages pass, so a message's cost and the run's agree.
  const meter = options.prices ? new RunCostMeter(options.prices) : undefined;
  const end = (fields: Pick<RunOutcome, 'status' | 'stopReason'> & { error?: Error; messages?: AgentMessage[] }): RunEvent => {
    const cost = meter?.summary();
    return {
      type: 'outcome',
      outcome: { messages, usage, ...(cost ? { cost } : {}), durationS: (performance.now() - started) / 1000, ...fields } as RunOutcome,
    };
  };

  let team: Team | undefined;
  const owned = typeof source === 'function';
  try {
    team = owned ? await source() : source;
    const turnsAllowed = limits.maxTurns;
    const taskCount = countTask(task);
    let seen = 0;
    let turns = 0;
    let result: TaskResult | undefined;
    for await (const item of team.runStream(task, { signal, io: guardInput(options.io, limits.inputTimeoutS, signal, caps) })) {
      if (isTaskResult(item)) {
        // Leave the team's stream first, so the team is no longer running when the consumer
        // sees the outcome (it may save the team's state then).
        result = item;
        break;
      }
      // The cap is checked when the team goes on after its last allowed turn, so a team that
      // terminates on that turn still completes normally.
      if (turnsAllowed !== undefined && turns >= turnsAllowed) caps.abort(stopReasons.maxTurns(turnsAllowed));
      if (signal.aborted) break;
      meter?.price(item.models_usage);
      usage = addUsage(usage, item.models_usage);
      if (isRecordedMessage(item)) messages.push(item);
      if (isChatMessage(item) && seen++ >= taskCount) turns++;
      yield { type: 'message', message: item };
    }
    if (result) {
      yield end({ status: 'complete', stopReason: result.stop_reason, messages: result.messages });
      return;
    }
    if (signal.aborted) {
      yield end({ status: 'stopped', stopReason: cancelledFrom(signal).reason });
      return;
    }
    throw new RunStateError('The team stopped without a result');
  } catch (error) {
    if (signal.aborted) yield end({ status: 'stopped', stopReason: cancelledFrom(signal).reason });
    else {
      const failure = error instanceof Error ? error : new Error(String(error));
      // The engine's typed errors say what went wrong in words meant for the user; anything else
      // is a bug whose text (a JS message, a library's internals) is not shown, only kept in `error`.
      yield end({ status: 'error', stopReason: failure instanceof EngineError ? failure.message : INTERNAL_RUN_ERROR, error: failure });
    }
  } finally {
    clearTimeout(runTimer);
    // The consumer may have stopped early (a `return()` at a yield): nothing of the run may go on.
    if (!caps.signal.aborted) caps.abort('Run ended');
    if (owned) await team?.close().catch(() => undefined);
  }
}

/** How many task messages the team echoes first (TaskInput as BaseGroupChat normalises it). */
function countTask(task: TaskInput | undefined): number {
  if (task === undefined) return 0;
  return Array.isArray(task) ? task.length : 1;
}

/**
 * The IOStream the team sees: the caller's, with the input timeout enforced here (one place for
 * every front end) and the run's combined signal passed on; no stream means no human.
 */
function guardInput(io: IOStream | undefined, timeoutS: number | undefined, signal: AbortSignal, caps: AbortController): IOStream {
  return traceInput({
    print: (...objects) => io?.print(...objects),
    send: (event) => io?.send(event),
    async input(prompt: string, options: InputOptions = {}): Promise<string> {
      if (!io) throw new InputUnavailableError(options.source ?? 'user_proxy');
      if (timeoutS === undefined) return io.input(prompt, { ...options, signal });
      const timer = setTimeout(() => caps.abort(stopReasons.inputTimeout(timeoutS)), timeoutS * 1000);
      try {
        return await io.input(prompt, { ...options, signal, timeoutAt: new Date(Date.now() + timeoutS * 1000) });
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
