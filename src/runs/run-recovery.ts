/**
 * Runs that nothing runs any more, ended for good. At start-up, runs that a crash left `active`
 * can never finish: nothing in this process is running them. Each becomes `error` with
 * `Interrupted by server restart`, and its log gets the terminal frame a viewer would have seen,
 * so a replay of it ends like any other finished run. In cluster mode the start-up sweep only
 * takes runs this instance owned (it restarted under the same INSTANCE_ID), runs with no owner,
 * and runs whose owner's lease has expired (those end `Instance lost`, as the InstanceLease
 * reaper would end them); never a run of a live peer.
 *
 * The terminal frame ({@link endOrphanedRun}, shared with the reaper) is numbered after the
 * run's seq reservation, not after its last stored frame: chunks sent before the crash may have
 * used seqs that were never stored (see LiveRun), and a seq is never reused; a replay shows a
 * `gap` frame over them.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DatabaseService } from '../database/database.service.js';
import { addUsage, createMessage, ZERO_USAGE } from '../engine/index.js';
import { RunBus } from './run-bus.js';
import { RunJournal } from './run-journal.js';
import { RunEntity } from './run.entity.js';
import { frames, type RunFrame, type TeamResult } from './ws-frames.js';

export const INTERRUPTED_REASON = 'Interrupted by server restart';
/** Cluster mode: the stop reason of a run whose instance died (its lease expired). */
export const INSTANCE_LOST_REASON = 'Instance lost';

/** After a failed recovery at start-up, the next attempt comes this much later (ms). */
const RETRY_DELAY_MS = 5_000;

/** What ending an orphaned run needs of its row. */
export interface OrphanedRun {
  id: number;
  session_id: number;
  user_id: string;
  created_at: Date;
  seq_reserved?: number;
}

/**
 * Ends `run` (nothing runs it any more) as `error` with `reason`: its terminal frame, numbered
 * after max(last stored seq, seq reservation), carries the usage of its stored messages. The
 * journal's finish is conditional, so of several callers (a start-up sweep, the reapers of every
 * instance) only one ends the run: it gets the frame back, to publish; the others get undefined.
 */
export async function endOrphanedRun(journal: RunJournal, run: OrphanedRun, reason: string): Promise<RunFrame | undefined> {
  // The saved frames give the tokens the run had used.
  const saved = await journal.framesAfter(run.id, 0);
  const seq = Math.max(saved.at(-1)?.seq ?? 0, run.seq_reserved ?? 0) + 1;
  const usage = saved.reduce((sum, f) => (f.type === 'message' ? addUsage(sum, f.data.models_usage) : sum), { ...ZERO_USAGE });
  const team_result: TeamResult = {
    task_result: { messages: [createMessage('TextMessage', 'system', { content: reason })], stop_reason: reason },
    usage,
    duration: (Date.now() - run.created_at.getTime()) / 1000,
  };
  const frame = { ...frames.completion('error', team_result), run_id: run.id, seq } as RunFrame;
  const ended = await journal.write(
    { id: run.id, sessionId: run.session_id, userId: run.user_id },
    { frames: [frame], finish: { status: 'error', team_result, stop_reason: reason, error_message: reason } },
  );
  return ended ? frame : undefined;
}

@Injectable()
export class RunRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(RunRecovery.name);
  /** Cluster mode: this instance's id (the sweep leaves runs of live peers alone); undefined with CLUSTER=off. */
  private readonly instanceId: string | undefined;

  constructor(
    private readonly db: DatabaseService,
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.instanceId = config.cluster.mode === 'redis' ? config.cluster.instanceId : undefined;
  }

  /** Never fails the start-up: a recovery the database refuses is logged and tried again in the background. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const count = await this.recoverInterruptedRuns();
      const reasons = this.instanceId === undefined ? INTERRUPTED_REASON : `${INTERRUPTED_REASON} (a lost peer's: ${INSTANCE_LOST_REASON})`;
      if (count > 0) this.logger.warn(`Marked ${count} interrupted run(s) as error: ${reasons}`);
    } catch (error) {
      this.logger.error(`Ending interrupted runs failed (${String(error)}); trying again in ${RETRY_DELAY_MS / 1000} s`);
      setTimeout(() => void this.onApplicationBootstrap(), RETRY_DELAY_MS).unref();
    }
  }

  /**
   * Ends every `active` run nothing runs as `error` (in cluster mode: see the file comment); returns
   * how many there were. A run another writer made terminal in the meantime keeps its status and log
   * (the journal's finish is conditional). Each terminal frame is also published (in cluster mode it
   * reaches viewers on every instance).
   */
  async recoverInterruptedRuns(): Promise<number> {
    const runs = this.instanceId === undefined ? await this.activeRuns() : await this.orphanedClusterRuns(this.instanceId);
    for (const run of runs) {
      const lost = this.instanceId !== undefined && run.owner_instance != null && run.owner_instance !== this.instanceId;
      const frame = await endOrphanedRun(this.journal, run, lost ? INSTANCE_LOST_REASON : INTERRUPTED_REASON);
      if (frame) this.bus.publish(frame);
    }
    return runs.length;
  }

  private activeRuns(): Promise<(OrphanedRun & { owner_instance?: string | null })[]> {
    return this.db.dataSource
      .getRepository(RunEntity)
      .createQueryBuilder('run')
      .addSelect('run.seq_reserved')
      .where('run.status = :status', { status: 'active' })
      .getMany();
  }

  /** Cluster mode (PostgreSQL): active runs of this instance, of no instance, or of one whose lease has expired (database clock). */
  private async orphanedClusterRuns(me: string): Promise<(OrphanedRun & { owner_instance: string | null })[]> {
    const schema = (this.db.dataSource.options as { schema?: string }).schema;
    const table = (name: string) => (schema ? `"${schema}"."${name}"` : `"${name}"`);
    return (await this.db.dataSource.query(
      `SELECT run.id, run.session_id, run.user_id, run.created_at, run.seq_reserved, run.owner_instance
       FROM ${table('runs')} run LEFT JOIN ${table('cluster_instances')} owner ON owner.id = run.owner_instance
       WHERE run.status = 'active'
         AND (run.owner_instance IS NULL OR run.owner_instance = $1 OR owner.id IS NULL OR owner.lease_until < clock_timestamp())`,
      [me],
    )) as (OrphanedRun & { owner_instance: string | null })[];
  }
}
