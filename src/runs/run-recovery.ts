/**
 * At start-up, runs that a crash left `active` can never finish: nothing in this process is
 * running them. Each becomes `error` with `Interrupted by server restart`, and its log gets the
 * terminal frame a viewer would have seen, so a replay of it ends like any other finished run.
 * That frame is numbered after the run's seq reservation, not after its last stored frame:
 * chunks sent before the crash may have used seqs that were never stored (see LiveRun), and a
 * seq is never reused; a replay shows a `gap` frame over them.
 */
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';
import { addUsage, createMessage, ZERO_USAGE } from '../engine/index.js';
import { RunJournal } from './run-journal.js';
import { RunEntity } from './run.entity.js';
import { frames, type TeamResult } from './ws-frames.js';

export const INTERRUPTED_REASON = 'Interrupted by server restart';

/** After a failed recovery at start-up, the next attempt comes this much later (ms). */
const RETRY_DELAY_MS = 5_000;

@Injectable()
export class RunRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(RunRecovery.name);

  constructor(
    private readonly db: DatabaseService,
    private readonly journal: RunJournal,
  ) {}

  /** Never fails the start-up: a recovery the database refuses is logged and tried again in the background. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const count = await this.recoverInterruptedRuns();
      if (count > 0) this.logger.warn(`Marked ${count} interrupted run(s) as error: ${INTERRUPTED_REASON}`);
    } catch (error) {
      this.logger.error(`Ending interrupted runs failed (${String(error)}); trying again in ${RETRY_DELAY_MS / 1000} s`);
      setTimeout(() => void this.onApplicationBootstrap(), RETRY_DELAY_MS).unref();
    }
  }

  /**
   * Ends every `active` run as `error`; returns how many there were. A run another writer made
   * terminal in the meantime keeps its status and log (the journal's finish is conditional).
   */
  async recoverInterruptedRuns(): Promise<number> {
    const runs = await this.db.dataSource
      .getRepository(RunEntity)
      .createQueryBuilder('run')
      .addSelect('run.seq_reserved')
      .where('run.status = :status', { status: 'active' })
      .getMany();
    for (const run of runs) {
      // The saved frames give the tokens the run had used.
      const saved = await this.journal.framesAfter(run.id, 0);
      const seq = Math.max(saved.at(-1)?.seq ?? 0, run.seq_reserved ?? 0) + 1;
      const usage = saved.reduce((sum, f) => (f.type === 'message' ? addUsage(sum, f.data.models_usage) : sum), { ...ZERO_USAGE });
      const team_result: TeamResult = {
        task_result: {
          messages: [createMessage('TextMessage', 'system', { content: INTERRUPTED_REASON })],
          stop_reason: INTERRUPTED_REASON,
        },
        usage,
        duration: (Date.now() - run.created_at.getTime()) / 1000,
      };
      const frame = { ...frames.completion('error', team_result), run_id: run.id, seq };
      await this.journal.write(
        { id: run.id, sessionId: run.session_id, userId: run.user_id },
        {
          frames: [frame],
          finish: { status: 'error', team_result, stop_reason: INTERRUPTED_REASON, error_message: INTERRUPTED_REASON },
        },
      );
    }
    return runs.length;
  }
}
