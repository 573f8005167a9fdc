/**
 * Runs one team for one run: loads it from its ComponentModel, drives `team.runStream` with the
 * run's signal and IOStream, and turns what the engine yields into frames (protocol §1.5–1.6):
 * `message` / `message_chunk` as they come, then exactly one `result` or `completion`.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  addUsage,
  CancelledError,
  cancelledFrom,
  createMessage,
  isTaskResult,
  loadTeam,
  ZERO_USAGE,
  type AgentMessage,
  type ChatMessage,
  type LoadContext,
  type RequestUsage,
  type TaskResult,
  type Team,
} from '../engine/index.js';
import { ENGINE_CONTEXT } from './engine-context.provider.js';
import type { LiveRun } from './live-run.js';
import { RunIOStream } from './run-io-stream.js';
import { frames, type TeamResult } from './ws-frames.js';

@Injectable()
export class TeamManager {
  private readonly logger = new Logger(TeamManager.name);

  constructor(@Inject(ENGINE_CONTEXT) private readonly engine: LoadContext) {}

  /** Builds the team; throws the engine's ConfigError (naming the JSON path) for a bad config. */
  load(component: unknown): Team {
    return loadTeam(component, this.engine);
  }

  /**
   * Runs the team to its end and writes the terminal frame. Never throws: every failure becomes
   * the run's `completion` frame, so the caller can fire and forget into its run registry.
   */
  async execute(live: LiveRun, loadTeamOrFail: () => Team, task: ChatMessage[]): Promise<void> {
    const started = performance.now();
    const seen: AgentMessage[] = [];
    let usage: RequestUsage = { ...ZERO_USAGE };
    const teamResult = (task_result: TaskResult): TeamResult => ({
      task_result,
      usage,
      duration: (performance.now() - started) / 1000,
    });
    let team: Team | undefined;
    try {
      team = loadTeamOrFail();
      for await (const item of team.runStream(task, { signal: live.signal, io: new RunIOStream(live) })) {
        if (isTaskResult(item)) {
          const result = teamResult(item);
          await live.finish(frames.result(result), {
            status: 'complete',
            team_result: result,
            stop_reason: item.stop_reason,
            error_message: null,
          });
          return;
        }
        // The input request reaches viewers as an `input_request` frame from the RunIOStream.
        if (item.type === 'UserInputRequestedEvent') continue;
        usage = addUsage(usage, item.models_usage);
        if (item.type === 'ModelClientStreamingChunkEvent') {
          await live.emit(frames.message(item));
        } else {
          seen.push(item);
          await live.emit(frames.message(item), [item]);
        }
      }
      throw new Error('The team stopped without a result');
    } catch (error) {
      await this.fail(live, error, seen, teamResult);
    } finally {
      await team?.close().catch((error: unknown) => this.logger.warn(`Closing team of run ${live.run.id}: ${String(error)}`));
    }
  }

  private async fail(live: LiveRun, error: unknown, seen: AgentMessage[], teamResult: (r: TaskResult) => TeamResult): Promise<void> {
    if (error instanceof CancelledError || live.signal.aborted) {
      const reason = live.signal.aborted ? cancelledFrom(live.signal).reason : (error as CancelledError).reason;
      const result = teamResult({ messages: seen, stop_reason: reason });
      await live.finish(frames.completion('cancelled', result), {
        status: 'stopped',
        team_result: result,
        stop_reason: reason,
        error_message: null,
      });
      return;
    }
    const text = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Run ${live.run.id} failed: ${text}`);
    const result = teamResult({ messages: [createMessage('TextMessage', 'system', { content: text })], stop_reason: text });
    await live.finish(frames.completion('error', result), {
      status: 'error',
      team_result: result,
      stop_reason: text,
      error_message: text,
    });
  }
}
