/**
 * The RunJournal on TypeORM: frames, message rows and the run's status change are written in
 * one transaction, so a frame is never visible without the rows it stands for, and a terminal
 * status never without its terminal frame. Terminal statuses are final: the UPDATE only
 * matches a run that is still `created` or `active`, and a write whose finish matches nothing
 * stores nothing. Writes are retried while the database does not answer (DatabaseService.retrying);
 * a write that must wait for the database to come back is kept and retried in the background.
 * On SQLite a run's writes, activation and reservations share their transactions with other
 * runs' (group commit, DatabaseService.shared): atomic each, one commit for all that arrive together.
 */
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { In, MoreThan, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { DatabaseService } from '../database/database.service.js';
import { storableTextOrNull } from '../database/storable-text.js';
import type { AgentMessage } from '../engine/index.js';
import { frameJson } from './frame-json.js';
import { MessageEntity } from './message.entity.js';
import { RunEventEntity } from './run-event.entity.js';
import { RUN_OWNER, RunJournal, type JournalRun, type JournalWrite, type SeqRange } from './run-journal.js';
import { RunEntity } from './run.entity.js';
import type { RunFrame } from './ws-frames.js';
import { runLine } from '../observability/run-log.js';
import { RUN_METRICS, type RunMetrics } from '../observability/run-metrics.js';
import { tracedWrite } from '../observability/trace-helpers.js';

const LIVE_STATUSES = ['created', 'active'] as const;
const TERMINAL_STATUSES = ['complete', 'error', 'stopped'] as const;

/** Seq ranges per DELETE of a compaction (two parameters each, well under SQLite's and PostgreSQL's limits). */
const COMPACT_RANGES = 200;

/**
 * Most rows per INSERT of frames on SQLite, in power-of-two sizes (see insertFrames): 256
 * parameters; a chunk batch (RUN_CHUNK_FLUSH_MAX, 64 by default) and its message go out in two.
 */
const SQLITE_INSERT_ROWS_MAX = 64;
/** PostgreSQL: most rows per INSERT (4,000 parameters of the protocol's 65,535); any count, one round trip. */
const PG_INSERT_ROWS_MAX = 1000;

/** Backoff of the deferred writes' timer (ms); they are also tried after every committed transaction. */
const LATER_FIRST_DELAY_MS = 250;
const LATER_MAX_DELAY_MS = 30_000;

interface DeferredWrite {
  run: JournalRun;
  write: JournalWrite;
  done: () => void;
  failures: number;
}

@Injectable()
export class TypeOrmRunJournal extends RunJournal {
  private readonly logger = new Logger(TypeOrmRunJournal.name);
  /** Deferred writes by run id, oldest first. */
  private readonly later = new Map<number, DeferredWrite>();
  private laterRunning: Promise<void> | undefined;
  private laterTimer: NodeJS.Timeout | undefined;
  private laterDelay = LATER_FIRST_DELAY_MS;
  /** VALUES placeholders by shape (`<rows>x<columns>`). */
  private readonly placeholders = new Map<string, string>();

  constructor(
    private readonly db: DatabaseService,
    @Inject(RUN_METRICS) private readonly metrics: RunMetrics,
    @Optional() @Inject(RUN_OWNER) private readonly owner: string | null = null,
  ) {
    super();
    // "The next write by anyone": any committed transaction means the database answers again.
    db.onAnswer(() => {
      if (this.later.size > 0 && !this.laterRunning) void this.flushDeferred();
    });
  }

  async write(run: JournalRun, write: JournalWrite): Promise<boolean> {
    if (write.frames.length === 0 && !write.messages?.length && !write.finish && write.reserveThrough === undefined) return true;
    let attempted = false;
    const started = performance.now();
    const attributes = { 'teamstream.run.id': String(run.id), 'db.operation.batch.size': write.frames.length };
    const stored = await tracedWrite(
      'run_journal',
      () =>
        this.db.retrying(
          async (em) => {
            // A connection lost during COMMIT leaves the outcome unknown. Seqs are never reused, so
            // finding the batch's last frame stored means that attempt committed: do not insert it twice.
            const last = write.frames.at(-1);
            if (attempted && last && (await this.hasFrame(em, run.id, last.seq))) return true;
            attempted = true;
            return this.apply(em, run, write, false);
          },
          { shared: true },
        ),
      attributes,
    );
    // Committed batches only: a batch that failed for good is an error, not a latency.
    this.metrics.databaseWrite((performance.now() - started) / 1000);
    return stored;
  }

  writeLater(run: JournalRun, write: JournalWrite): Promise<void> {
    return new Promise((done) => {
      this.later.set(run.id, { run, write, done, failures: 0 });
      void this.flushDeferred();
    });
  }

  /**
   * Tries every deferred write now, one transaction each (no retry inside: the timer and the next
   * committed transaction call again). Resolves when this attempt is over; never rejects.
   */
  flushDeferred(): Promise<void> {
    this.laterRunning ??= this.tryDeferred().finally(() => {
      this.laterRunning = undefined;
      this.scheduleDeferred();
    });
    return this.laterRunning;
  }

  /** At shutdown: one last attempt at the deferred writes, then no more timers. */
  async stopDeferred(): Promise<void> {
    await this.flushDeferred();
    clearTimeout(this.laterTimer);
    this.laterTimer = undefined;
    for (const entry of this.later.values()) {
      this.logger.warn(runLine(entry.run.id, 'Its end could not be stored before shutdown; the next start-up marks it as interrupted'));
    }
    this.later.clear();
  }

  async reserve(runId: number, through: number): Promise<void> {
    await this.db.retrying((em) => this.raiseReservation(em, runId, through), { shared: true });
  }

  async framesAfter(runId: number, after: number): Promise<RunFrame[]> {
    const rows = await this.db.dataSource.getRepository(RunEventEntity).find({
      select: { frame: true, seq: true },
      where: { run_id: runId, seq: MoreThan(after) },
      order: { seq: 'ASC' },
    });
    return rows.map((row) => row.frame as unknown as RunFrame);
  }

  async lastFrame(runId: number): Promise<RunFrame | undefined> {
    const row = await this.db.dataSource.getRepository(RunEventEntity).findOne({
      select: { frame: true, seq: true },
      where: { run_id: runId },
      order: { seq: 'DESC' },
    });
    return row ? (row.frame as unknown as RunFrame) : undefined;
  }

  async endedAmong(runIds: readonly number[]): Promise<number[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db.dataSource.getRepository(RunEntity).find({
      select: { id: true },
      where: { id: In([...runIds]), status: In([...TERMINAL_STATUSES]) },
    });
    return rows.map((row) => row.id);
  }

  async activate(runId: number, task: AgentMessage[], reserveThrough = 0): Promise<boolean> {
    return this.db.shared(async (em) => {
      const result = await em.update(
        RunEntity,
        { id: runId, status: 'created' },
        {
          status: 'active',
          task: task as unknown as JsonObject[],
          ...(reserveThrough > 0 ? { seq_reserved: reserveThrough } : {}),
          ...(this.owner ? { owner_instance: this.owner } : {}),
        },
      );
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * One write inside a transaction; `idempotent` skips frames already stored (deferred writes).
   * False when its finish found the run terminal (nothing stored). On PostgreSQL two concurrent
   * finishes of one run serialise on the row lock of the UPDATE: the second one re-reads the row
   * after the first commits (READ COMMITTED), matches nothing, and stores nothing.
   */
  private async apply(em: EntityManager, run: JournalRun, write: JournalWrite, idempotent: boolean): Promise<boolean> {
    if (write.finish) {
      const { status, team_result, stop_reason, error_message } = write.finish;
      const result = await em.update(
        RunEntity,
        { id: run.id, status: In([...LIVE_STATUSES]) },
        {
          status,
          team_result: team_result as unknown as JsonObject,
          stop_reason: storableTextOrNull(stop_reason),
          error_message: storableTextOrNull(error_message),
        },
      );
      // Already terminal (or deleted): its end is recorded, and nothing may follow it in the log.
      if ((result.affected ?? 0) === 0) return false;
    }
    if (write.compact?.length) await this.deleteChunks(em, run.id, write.compact);
    if (write.frames.length > 0) await this.insertFrames(em, run.id, write.frames, idempotent);
    if (write.messages?.length) await this.insertMessages(em, run, write.messages);
    if (write.reserveThrough !== undefined) await this.raiseReservation(em, run.id, write.reserveThrough);
    return true;
  }

  /**
   * The hot path of every run: chunks arrive in batches of every size, and TypeORM's insert
   * builds and prepares new SQL for each size. On SQLite a batch goes out as multi-row statements
   * of power-of-two sizes (64, 32, …, 1 rows: at most 7 for a batch of up to 127), whose few texts
   * stay in the driver's statement cache; one row per statement cost a round through TypeORM's
   * query runner per chunk. PostgreSQL, which prepares nothing here, takes the whole batch in one
   * statement: one round trip.
   */
  private async insertFrames(em: EntityManager, runId: number, frames: readonly RunFrame[], idempotent: boolean): Promise<void> {
    const table = this.tableOf(em, RunEventEntity);
    const skipStored = idempotent ? ' ON CONFLICT (run_id, seq) DO NOTHING' : '';
    let start = 0;
    while (start < frames.length) {
      const left = frames.length - start;
      let size = this.db.isPostgres ? Math.min(left, PG_INSERT_ROWS_MAX) : SQLITE_INSERT_ROWS_MAX;
      while (size > left) size >>= 1;
      const batch = frames.slice(start, start + size);
      const values: unknown[] = [];
      for (const frame of batch) values.push(runId, frame.seq, frame.type, frameJson(frame));
      await em.query(`INSERT INTO ${table} (run_id, seq, type, frame) VALUES ${this.rowPlaceholders(size, 4)}${skipStored}`, values);
      start += size;
    }
  }

  /**
   * The run's `message` rows (AGS's table), in one statement. Raw SQL for the same reason as the
   * frames: TypeORM's insert writes the run's and session's ids into the SQL text, a new statement
   * to prepare for every run, which pushed the busiest statements out of the driver's cache.
   * Timestamps and version take the columns' defaults.
   */
  private async insertMessages(em: EntityManager, run: JournalRun, messages: readonly AgentMessage[]): Promise<void> {
    const values: unknown[] = [];
    for (const message of messages) values.push(run.userId, run.sessionId, run.id, JSON.stringify(message), '{}');
    await em.query(
      `INSERT INTO ${this.tableOf(em, MessageEntity)} (user_id, session_id, run_id, config, message_meta) VALUES ${this.rowPlaceholders(messages.length, 5)}`,
      values,
    );
  }

  /** `(?, ?, …), …` (`($1, $2, …), …` on PostgreSQL) for `rows` rows of `columns` columns, built once per shape. */
  private rowPlaceholders(rows: number, columns: number): string {
    const key = `${rows}x${columns}`;
    const cached = this.placeholders.get(key);
    if (cached) return cached;
    const p = (i: number) => (this.db.isPostgres ? `$${i}` : '?');
    const row = (r: number) => `(${Array.from({ length: columns }, (_, c) => p(r * columns + c + 1)).join(', ')})`;
    const text = Array.from({ length: rows }, (_, r) => row(r)).join(', ');
    this.placeholders.set(key, text);
    return text;
  }

  /** Deletes the run's chunk rows in `ranges` (compaction): one statement per COMPACT_RANGES ranges, usually one in all. */
  private async deleteChunks(em: EntityManager, runId: number, ranges: readonly SeqRange[]): Promise<void> {
    const table = this.tableOf(em, RunEventEntity);
    const p = (i: number) => (this.db.isPostgres ? `$${i}` : '?');
    for (let start = 0; start < ranges.length; start += COMPACT_RANGES) {
      const batch = ranges.slice(start, start + COMPACT_RANGES);
      const where = batch.map((_, i) => `seq BETWEEN ${p(2 * i + 3)} AND ${p(2 * i + 4)}`).join(' OR ');
      await em.query(`DELETE FROM ${table} WHERE run_id = ${p(1)} AND type = ${p(2)} AND (${where})`, [
        runId,
        'message_chunk',
        ...batch.flatMap((range) => [range.from, range.to]),
      ]);
    }
  }

  private async hasFrame(em: EntityManager, runId: number, seq: number): Promise<boolean> {
    return em.getRepository(RunEventEntity).exists({ where: { run_id: runId, seq } });
  }

  /** Raises `runs.seq_reserved`, never lowers it; raw SQL so `updated_at` keeps meaning "the row changed". */
  private async raiseReservation(em: EntityManager, runId: number, through: number): Promise<void> {
    const [a, b, c] = this.db.isPostgres ? ['$1', '$2', '$3'] : ['?', '?', '?'];
    await em.query(`UPDATE ${this.tableOf(em, RunEntity)} SET seq_reserved = ${a} WHERE id = ${b} AND seq_reserved < ${c}`, [
      through,
      runId,
      through,
    ]);
  }

  /** A table, schema-qualified and quoted as the database wants it. */
  private tableOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>): string {
    const { driver } = em.connection;
    return em.connection
      .getMetadata(entity)
      .tablePath.split('.')
      .map((part) => driver.escape(part))
      .join('.');
  }

  private async tryDeferred(): Promise<void> {
    for (const [runId, entry] of [...this.later]) {
      try {
        await this.db.transaction(async (em) => void (await this.apply(em, entry.run, entry.write, true)));
      } catch (error) {
        if (entry.failures++ === 0)
          this.logger.warn(runLine(runId, `Its end is not stored yet (${String(error)}); retrying until the database answers`));
        continue;
      }
      if (this.later.get(runId) === entry) this.later.delete(runId);
      this.logger.log(runLine(runId, 'Its end is stored'));
      entry.done();
    }
    this.laterDelay = this.later.size === 0 ? LATER_FIRST_DELAY_MS : Math.min(this.laterDelay * 2, LATER_MAX_DELAY_MS);
  }

  private scheduleDeferred(): void {
    if (this.later.size === 0 || this.laterTimer) return;
    this.laterTimer = setTimeout(() => {
      this.laterTimer = undefined;
      void this.flushDeferred();
    }, this.laterDelay);
    this.laterTimer.unref();
  }
}
