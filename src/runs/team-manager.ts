/**
 * The run socket's adapter over the run driver: loads the team from its ComponentModel, drives it
 * with the run's signal, IOStream and limits, and turns each RunEvent into frames (protocol
 * §1.5–1.6): `message` / `message_chunk` as they come, then exactly one `result` or `completion`.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createMessage, loadTeam, type ChatMessage, type DriveLimits, type RunOutcome } from '../engine/index.js';
import { storableText, storableTextOrNull } from '../database/storable-text.js';
import { UserEngineContexts } from '../live-runs/user-engine-context.js';
import { ModelCostLedger } from './model-costs.js';
import type { LiveRun } from './live-run.js';
import type { RunFinish } from './run-journal.js';
import { RunIOStream } from './run-io-stream.js';
import { frames, type RunFrameBody, type TeamResult } from './ws-frames.js';
import { ObservedRuns } from '../observability/observed-runs.js';
import { runLine } from '../observability/run-log.js';
import { RUN_METRICS, type RunMetrics } from '../observability/run-metrics.js';
import { runTelemetry } from '../observability/trace-helpers.js';

@Injectable()
export class TeamManager {
  private readonly logger = new Logger(TeamManager.name);

  constructor(
    private readonly contexts: UserEngineContexts,
    private readonly costs: ModelCostLedger,
    @Inject(RUN_METRICS) private readonly metrics: RunMetrics,
    private readonly runs: ObservedRuns,
  ) {}

  /**
   * Runs the team of `component` to its end and writes the terminal frame. A config that does
   * not load ends the run with a `completion` error naming the problem, as AGS users expect to
   * see it in the run. When a frame cannot be written (the journal retried for DB_RETRY_S, or the
   * failure is not one that passes) the run cannot be recorded: it is abandoned (LiveRun.abandon:
   * viewers get a `completion` error at once, the row is corrected later) and the team is stopped.
   * Never rejects.
   */
  async execute(live: LiveRun, component: unknown, task: ChatMessage[], limits: DriveLimits): Promise<void> {
    // The run owner's settings environment supplies their own model keys (AGS per-user environment),
    // and their UI settings say whether model calls are shown (LLM call events).
    const load = async () => loadTeam(component, await this.contexts.forUser(live.run.userId, { llmCallEvents: true }));
    // live.signal is the claim's (LiveRun passes it on); an abandoned run counts as finished `error`,
    // as its viewers see it (LiveRun.abandon).
    const run = this.runs.drive({ signal: live.signal, limits, userId: live.run.userId }, 'run_socket', load, task, {
      io: new RunIOStream(live, this.metrics),
      prices: this.costs.prices,
      telemetry: runTelemetry(live.run, component),
      finalStatus: (status) => (live.abandoned ? 'error' : status),
    });
    for await (const event of run) {
      switch (event.type) {
        case 'message':
          // The input request reaches viewers as an `input_request` frame from the RunIOStream.
          if (event.message.type === 'UserInputRequestedEvent') continue;
          this.costs.recordMessage(event.message);
          try {
            const frame = frames.message(event.message);
            await live.emit(frame, event.message.type === 'ModelClientStreamingChunkEvent' ? undefined : [event.message]);
            this.metrics.frameEmitted(frame.type);
          } catch (error) {
            live.abandon(error);
            // Leaving the loop ends the driver: it aborts the team and closes it (and the run counts as `error`).
            return;
          }
          break;
        case 'outcome':
          if (event.outcome.status === 'error')
            this.logger.warn(runLine(live.run.id, `Run failed: ${event.outcome.error.stack ?? event.outcome.stopReason}`));
          {
            const [frame, finish] = terminalFrame(event.outcome);
            await live.finish(frame, finish);
            this.metrics.frameEmitted(frame.type);
          }
      }
    }
  }
}

/**
 * The terminal frame and the run row's end for an outcome (protocol §1.5, §2.4). The stop reason
 * can carry a model's or a caller's text: it is made storable here, so viewers, the log and the
 * row all get the same text.
 */
function terminalFrame(outcome: RunOutcome): [RunFrameBody, RunFinish] {
  const stopReason = storableTextOrNull(outcome.stopReason);
  const teamResult = (messages: TeamResult['task_result']['messages']): TeamResult => ({
    task_result: { messages, stop_reason: stopReason },
    usage: outcome.usage,
    // AG2's run completion `cost`; absent when no call's model has a price.
    ...(outcome.cost ? { cost: outcome.cost } : {}),
    duration: outcome.durationS,
  });
  switch (outcome.status) {
    case 'complete': {
      const result = teamResult(outcome.messages);
      return [frames.result(result), { status: 'complete', team_result: result, stop_reason: stopReason, error_message: null }];
    }
    case 'stopped': {
      const result = teamResult(outcome.messages);
      return [frames.completion('cancelled', result), { status: 'stopped', team_result: result, stop_reason: stopReason, error_message: null }];
    }
    case 'error': {
      // AGS shows a failed run as one system message carrying the error text.
      const errorText = storableText(outcome.stopReason);
      const result = teamResult([createMessage('TextMessage', 'system', { content: errorText })]);
      return [frames.completion('error', result), { status: 'error', team_result: result, stop_reason: errorText, error_message: errorText }];
    }
  }
}
