/**
 * At start-up, runs that a crash left `active` can never finish: nothing in this process is
 * running them. Each becomes `error` with `Interrupted by server restart`, and its log gets the
 * terminal frame a viewer would have seen, so a replay of it ends like any other finished run.
 */
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';
import { addUsage, createMessage, ZERO_USAGE } from '../engine/index.js';
import { RunJournal } from './run-journal.js';
import { RunEntity } from './run.entity.js';
import { frames, type TeamResult } from './ws-frames.js';

export const INTERRUPTED_REASON = 'Interrupted by server restart';

@Injectable()
export class RunRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(RunRecovery.name);

  constructor(
    private readonly db: DatabaseService,
    private readonly journal: RunJournal,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const count = await this.recoverInterruptedRuns();
    if (count > 0) this.logger.warn(`Marked ${count} interrupted run(s) as error: ${INTERRUPTED_REASON}`);
  }

  /** Ends every `active` run as `error`; returns how many there were. */
  async recoverInterruptedRuns(): Promise<number> {
    const runs = await this.db.dataSource.getRepository(RunEntity).find({ where: { status: 'active' } });
    for (const run of runs) {
      // The saved frames give both where numbering goes on and the tokens the run had used.
      const saved = await this.journal.framesAfter(run.id, 0);
      const seq = (saved.at(-1)?.seq ?? 0) + 1;
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
