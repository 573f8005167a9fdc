/**
 * The one way every front end drives a run it admitted through the LiveRunRegistry (the run
 * socket, /ws/chat, POST /chat/completions, POST /api/validate/test), so that each gets the same
 * telemetry without a copy of it:
 * - the run span (driveTeam's `run {team label}`) with the front end's RunTelemetry, the owner's
 *   hashed user id and `teamstream.front_end`;
 * - `teamstream_runs_finished_total{status,front_end}` once the run's event stream ends;
 * - `teamstream_input_waits_total` / `teamstream_input_waiting` around every human-input wait.
 * Model and tool metrics come through the engine observer that UserEngineContexts puts in every
 * user's load context. The claim's signal and limits are the run's, as before.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  driveTeam,
  type DriveLimits,
  type InputOptions,
  type IOStream,
  type PriceTable,
  type RunEvent,
  type RunStatus,
  type RunTelemetry,
  type TaskInput,
  type TeamSource,
} from '../engine/index.js';
import { RUN_METRICS, type RunMetrics } from './run-metrics.js';

/**
 * The front ends that start runs: the `front_end` label of the run metrics and the run span's
 * `teamstream.front_end`. A fixed set, so the label's cardinality is bounded.
 */
export type FrontEnd = 'run_socket' | 'ws_chat' | 'chat_completions' | 'validate';

/** What a run was admitted with (a LiveRunClaim has it): its stop signal, caps and owner. */
export interface AdmittedRun {
  signal: AbortSignal;
  limits: DriveLimits;
  userId: string;
}

export interface ObservedRunOptions {
  /** Where a human answers (absent: an input request ends the run `error`, as driveTeam says). */
  io?: IOStream;
  /** Narrower caps than the claim's (e.g. the run socket's per-run input timeout); default the claim's. */
  limits?: DriveLimits;
  /** Model prices for the run's cost (driveTeam's `prices`). */
  prices?: PriceTable;
  /** What the front end knows of the run: run id, session, team label (the user id is the claim's). */
  telemetry?: Omit<RunTelemetry, 'userId' | 'frontEnd'>;
  /**
   * The status counted once the stream has ended, from the outcome's (or `error` when the run
   * ended without an outcome reaching the caller): the run socket counts a run it could not
   * record (abandoned) as `error`.
   */
  finalStatus?: (status: RunStatus) => RunStatus;
}

@Injectable()
export class ObservedRuns {
  constructor(@Inject(RUN_METRICS) private readonly metrics: RunMetrics) {}

  /**
   * driveTeam(`team`, `task`) as the claim's run from `frontEnd`: the claim's signal and limits,
   * the run span, and the run metrics above. Yields driveTeam's events unchanged; never throws
   * (driveTeam never does). The run counts as finished when the caller has taken the outcome and
   * asked for more (or stopped iterating), so a front end that fails to deliver the outcome can
   * still say how the run ended (`finalStatus`).
   */
  drive(
    claim: AdmittedRun,
    frontEnd: FrontEnd,
    team: TeamSource,
    task: TaskInput | undefined,
    options: ObservedRunOptions = {},
  ): AsyncGenerator<RunEvent, void, undefined> {
    const events = driveTeam(team, task, {
      signal: claim.signal,
      limits: options.limits ?? claim.limits,
      ...(options.io ? { io: meteredInput(options.io, this.metrics) } : {}),
      ...(options.prices ? { prices: options.prices } : {}),
      telemetry: { ...options.telemetry, userId: claim.userId, frontEnd },
    });
    return counted(events, (status) => this.metrics.runFinished(options.finalStatus ? options.finalStatus(status) : status, frontEnd));
  }
}

/** `events`, reporting how the run ended once the stream is over (`error` when no outcome came). */
async function* counted(
  events: AsyncGenerator<RunEvent, void, undefined>,
  report: (status: RunStatus) => void,
): AsyncGenerator<RunEvent, void, undefined> {
  let status: RunStatus = 'error';
  try {
    for await (const event of events) {
      if (event.type === 'outcome') status = event.outcome.status;
      yield event;
    }
  } finally {
    report(status);
  }
}

/** `io` with each human-input wait counted (teamstream_input_waits_total) and gauged while it lasts (teamstream_input_waiting). */
function meteredInput(io: IOStream, metrics: RunMetrics): IOStream {
  return {
    print: (...objects) => io.print(...objects),
    send: (event) => io.send(event),
    input: async (prompt: string, options?: InputOptions) => {
      const ended = metrics.inputWaitStarted();
      try {
        return await io.input(prompt, options);
      } finally {
        ended();
      }
    },
  };
}
