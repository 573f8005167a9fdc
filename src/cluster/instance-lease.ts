/**
 * Run ownership in cluster mode: exactly one instance runs a run, the one recorded in
 * `runs.owner_instance` when the run was activated. Each instance holds a lease in PostgreSQL
 * (`cluster_instances.lease_until`) that it renews; every instance's reaper ends the `active` runs
 * whose owner's lease has expired as `error` with stop reason `Instance lost`, storing the terminal
 * frame (endOrphanedRun: the journal's finish is conditional, so one reaper wins) and publishing it
 * on the run bus so that viewers on every instance get it.
 *
 * The lease lives in PostgreSQL and is compared on the database's clock (clock_timestamp()), not in
 * Redis with instance clocks: a Redis restart or an instance's clock drift cannot make the runs of a
 * live instance look lost, and the owner is recorded in the same database as the run itself.
 *
 * Timing (see {@link leaseTiming}), with L = RUN_LEASE_S: a renewal sets lease_until to now + L/2 and
 * comes every L/6; the reaper looks every L/4. Killed at t0, an instance's last renewal was at or
 * before t0, so its lease ends at or before t0 + L/2, and the first reaper pass after that comes at
 * or before t0 + L/2 + L/4 = t0 + 3L/4: the run ends (and its viewers get the terminal frame)
 * within L of the kill, with a quarter of L for the reaper's query, its write and the delivery. A
 * live instance may miss two renewals in a row (a database hiccup of up to L/3) without its runs
 * being taken for lost. One that was away longer learns at its next renewal that its lease had
 * lapsed, and cancels the runs peers ended meanwhile (onLapse), so no run goes on after its end.
 */
import { Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DatabaseService } from '../database/database.service.js';
import type { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import type { RunBus } from '../runs/run-bus.js';
import type { RunJournal } from '../runs/run-journal.js';
import { endOrphanedRun, INSTANCE_LOST_REASON, type OrphanedRun } from '../runs/run-recovery.js';

/** The lease's periods for RUN_LEASE_S (ms): how long a renewal holds, how often it comes, how often the reaper looks. */
export function leaseTiming(leaseS: number): { holdMs: number; renewMs: number; reapMs: number } {
  const leaseMs = leaseS * 1000;
  return { holdMs: leaseMs / 2, renewMs: leaseMs / 6, reapMs: leaseMs / 4 };
}

export class InstanceLease implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(InstanceLease.name);
  private readonly timing: ReturnType<typeof leaseTiming>;
  private renewTimer: NodeJS.Timeout | undefined;
  private reapTimer: NodeJS.Timeout | undefined;
  /** lease_until of the last renewal (database clock), to notice a lease that lapsed in between. */
  private heldUntil: Date | undefined;
  private reaping = false;
  /** Lapse checks still to make (see onLapse). */
  private lapseChecks = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
    private readonly registry: LiveRunRegistry,
    readonly instanceId: string,
    leaseS: number,
    /** Called after a renewal that found the lease lapsed, and after the one after it (a peer's reap may commit just after the first). */
    private readonly onLapse: () => Promise<unknown> = async () => undefined,
  ) {
    this.timing = leaseTiming(leaseS);
  }

  /** Takes the lease before the server listens (no run can be activated before), then renews and reaps on timers. */
  async onModuleInit(): Promise<void> {
    await this.acquire();
    this.renewTimer = setInterval(
      () => void this.renew().catch((error: unknown) => this.logger.warn(`Lease renewal failed: ${String(error)}`)),
      this.timing.renewMs,
    );
    this.renewTimer.unref();
    this.reapTimer = setInterval(() => void this.reap(), this.timing.reapMs);
    this.reapTimer.unref();
  }

  /**
   * Takes this instance's lease row only once nobody holds it: a lease still held is this id's
   * previous life (killed less than RUN_LEASE_S/2 ago: waited for, at most that long) or another
   * running instance with the same INSTANCE_ID, which renews it while this one waits. Taking that
   * one over would have the start-up sweep end the other's live runs as its own leftovers, so
   * this throws instead, naming INSTANCE_ID.
   */
  private async acquire(): Promise<void> {
    const started = Date.now();
    const deadline = started + this.timing.holdMs + this.timing.renewMs;
    for (let attempt = 0; ; attempt++) {
      const [row] = (await this.db.dataSource.query(
        `INSERT INTO ${this.table('cluster_instances')} (id, lease_until, started_at)
         VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until, started_at = EXCLUDED.started_at
           WHERE ${this.table('cluster_instances')}.lease_until < clock_timestamp()
         RETURNING lease_until`,
        [this.instanceId, this.timing.holdMs],
      )) as { lease_until: Date }[];
      if (row) {
        this.heldUntil = row.lease_until;
        return;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `INSTANCE_ID "${this.instanceId}" is in use: another running instance kept renewing its lease for the ${((Date.now() - started) / 1000).toFixed(1)} s this one waited. Give every instance its own INSTANCE_ID (or leave it unset).`,
        );
      }
      if (attempt === 0) {
        this.logger.warn(
          `The lease of INSTANCE_ID "${this.instanceId}" is still held (this instance restarted, or another uses the same id); waiting up to ${(this.timing.holdMs + this.timing.renewMs) / 1000} s for it to lapse`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.timing.renewMs));
    }
  }

  /** Renews this instance's lease (creating its row if needed); logs when it had lapsed, as peers may have ended its runs. */
  async renew(): Promise<void> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO ${this.table('cluster_instances')} (id, lease_until, started_at)
       VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until
       RETURNING lease_until, clock_timestamp() AS now`,
      [this.instanceId, this.timing.holdMs],
    )) as { lease_until: Date; now: Date }[];
    const [row] = rows;
    if (!row) return;
    if (this.heldUntil && this.heldUntil < row.now) {
      this.logger.error(
        `This instance's lease had lapsed (renewed ${row.now.getTime() - this.heldUntil.getTime()} ms late): peers may have ended its runs as ${INSTANCE_LOST_REASON}`,
      );
      this.lapseChecks = 2;
    }
    this.heldUntil = row.lease_until;
    if (this.lapseChecks > 0) {
      this.lapseChecks--;
      await this.onLapse();
    }
  }

  /**
   * Ends every `active` run whose owner's lease has expired (or whose owner has no row: it shut
   * down with a run it could not end); returns how many this instance ended. Never rejects.
   */
  async reap(): Promise<number> {
    if (this.reaping) return 0;
    this.reaping = true;
    let ended = 0;
    try {
      const runs = (await this.db.dataSource.query(
        `SELECT run.id, run.session_id, run.user_id, run.created_at, run.seq_reserved
         FROM ${this.table('runs')} run LEFT JOIN ${this.table('cluster_instances')} owner ON owner.id = run.owner_instance
         WHERE run.status = 'active' AND run.owner_instance IS NOT NULL AND run.owner_instance <> $1
           AND (owner.id IS NULL OR owner.lease_until < clock_timestamp())`,
        [this.instanceId],
      )) as OrphanedRun[];
      for (const run of runs) {
        const frame = await endOrphanedRun(this.journal, run, INSTANCE_LOST_REASON);
        if (!frame) continue;
        ended++;
        this.logger.warn(`Run ${run.id}: its instance's lease expired; ended as ${INSTANCE_LOST_REASON}`);
        this.bus.publish(frame);
      }
    } catch (error) {
      this.logger.warn(`Looking for runs of lost instances failed: ${String(error)}`);
    } finally {
      this.reaping = false;
    }
    return ended;
  }

  /** After this instance's runs have ended (the registry's drain), its lease row goes: peers know it is gone. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.renewTimer);
    clearInterval(this.reapTimer);
    await this.registry.shutdown();
    try {
      await this.db.dataSource.query(`DELETE FROM ${this.table('cluster_instances')} WHERE id = $1`, [this.instanceId]);
    } catch (error) {
      this.logger.warn(`Releasing the lease failed (${String(error)}); it expires by itself`);
    }
  }

  /** A table, qualified with the configured PostgreSQL schema when there is one. */
  private table(name: string): string {
    const schema = (this.db.dataSource.options as { schema?: string }).schema;
    return schema ? `"${schema}"."${name}"` : `"${name}"`;
  }
}
