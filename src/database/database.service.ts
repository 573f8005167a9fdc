import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { isTransientDbError, retryTransient } from './db-retry.js';
import { GroupCommit } from './group-commit.js';

/** DB_RETRY_S when no config is injected. */
const DEFAULT_RETRY_S = 30;
/** Without a commit, an outage still ends once no transient failure has been seen for this long (ms). */
const OUTAGE_QUIET_MS = 60_000;
/**
 * Group commit (see group-commit.ts): most units per shared transaction, so that one commit's work
 * stays bounded (200 chunk batches of up to RUN_CHUNK_FLUSH_MAX rows) while the next group waits.
 */
const GROUP_MAX_UNITS = 200;

/**
 * The app's handle on the database: transactions, their retry while the database does not
 * answer, and shutdown.
 *
 * TypeORM drives better-sqlite3 through one shared connection, so two transactions started
 * concurrently would nest as savepoints of each other, and a write made by another request
 * during a transaction would join it. For SQLite, transactions are therefore queued here, one
 * at a time; services make every write through {@link DatabaseService.transaction}.
 */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  private queue: Promise<unknown> = Promise.resolve();
  /** Epoch ms of the first transient failure since the database last answered; undefined while it answers. */
  private outageSince: number | undefined;
  /** Epoch ms of the latest transient failure. */
  private lastFailureAt = 0;
  private readonly answerListeners = new Set<(arg: undefined) => void>();
  private readonly retryListeners = new Set<(error: unknown) => void>();
  /** How long (ms) {@link retrying} keeps retrying after the database stopped answering (DB_RETRY_S). */
  readonly retryMs: number;
  private readonly groups: GroupCommit;

  constructor(
    readonly dataSource: DataSource,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.retryMs = (config?.runs.dbRetryS ?? DEFAULT_RETRY_S) * 1000;
    // One group at a time: SQLite's transactions are serialised anyway (see transaction()).
    this.groups = new GroupCommit((work) => this.transaction(work), { maxUnits: GROUP_MAX_UNITS, maxInFlight: 1 });
  }

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * Runs `work` in one transaction; commits when it resolves, rolls back when it rejects.
   * Do not call transaction() again from inside `work` (on SQLite that waits for itself
   * forever); pass `em` down instead.
   */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const result = this.isPostgres ? this.dataSource.transaction(work) : this.queue.then(() => this.dataSource.transaction(work));
    // The queue must keep going after a failed transaction; the caller still sees the rejection.
    if (!this.isPostgres) this.queue = result.catch(() => undefined);
    result.then(
      () => this.answered(),
      (error: unknown) => (isTransientDbError(error) ? this.notAnswering(error) : undefined),
    );
    return result;
  }

  /**
   * Runs `work` atomically like {@link transaction}, but in a transaction it may share with the
   * work of other callers made meanwhile (group commit, see GroupCommit): for the many small
   * writes of live runs. Resolves once committed; rejects when not, and then nothing of `work` is
   * stored. `work` runs after or before other callers' work on the same connection: it must not
   * wait for them, nor start a transaction of its own.
   */
  shared<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    // PostgreSQL gets a transaction of its own: a group runs its units one after another on one
    // connection, a round trip each, where the pool's connections overlap them (bench/README.md,
    // "What moved the numbers": 50 runs' first chunk p50 239 ms grouped, 207–236 ms not).
    return this.isPostgres ? this.transaction(work) : this.groups.run(work);
  }

  /**
   * {@link transaction} ({@link shared} with `{ shared: true }`), retried with exponential backoff while the failure is transient (the
   * database unreachable, restarting or locked: see isTransientDbError), for up to DB_RETRY_S
   * seconds after the database stopped answering. The budget belongs to the outage, not to the
   * call: a write that starts late in an outage does not wait another full DB_RETRY_S, and one
   * that starts after it has run out makes a single attempt. Each attempt is a new transaction,
   * so `work` must be safe to run again after a rollback. Rejects with the last error.
   */
  retrying<T>(work: (em: EntityManager) => Promise<T>, options: { shared?: boolean } = {}): Promise<T> {
    return retryTransient(() => (options.shared ? this.shared(work) : this.transaction(work)), {
      deadline: () => (this.outageSince ?? Date.now()) + this.retryMs,
      onTransientFailure: (error) => this.notAnswering(error),
      onRetry: (error) => this.notify(this.retryListeners, error),
    });
  }

  /** Calls `listener` after every committed transaction (the database answers); returns the unsubscribe function. */
  onAnswer(listener: () => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  /** Calls `listener` with each transient failure {@link retrying} is about to retry; returns the unsubscribe function. */
  onRetry(listener: (error: unknown) => void): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  /**
   * Serialises transactions that take the same key until they commit (PostgreSQL advisory lock;
   * SQLite transactions are serialised already). Used for "create if none" on concurrent calls.
   */
  async lockKey(em: EntityManager, key: string): Promise<void> {
    if (this.isPostgres) await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /**
   * An outage begins at the first transient failure, unless one is going on: it lasts until a
   * transaction commits, or until no transient failure has been seen for OUTAGE_QUIET_MS (a quiet
   * database is not known to be down).
   */
  private notAnswering(error: unknown): void {
    const now = Date.now();
    const ongoing = this.outageSince !== undefined && now - this.lastFailureAt <= OUTAGE_QUIET_MS;
    this.lastFailureAt = now;
    if (ongoing) return;
    this.outageSince = now;
    const why = error instanceof Error ? error.message : String(error);
    this.logger.warn(`The database is not answering (${why}); writes are retried for up to ${this.retryMs / 1000} s`);
  }

  private answered(): void {
    if (this.outageSince !== undefined) {
      this.logger.log(`The database answers again after ${((Date.now() - this.outageSince) / 1000).toFixed(1)} s`);
      this.outageSince = undefined;
    }
    this.notify(this.answerListeners, undefined);
  }

  /** A listener's failure is logged, never thrown into the transaction that triggered it. */
  private notify<A>(listeners: Set<(arg: A) => void>, arg: A): void {
    for (const listener of listeners) {
      try {
        listener(arg);
      } catch (error) {
        this.logger.error(`A database listener failed: ${String(error)}`);
      }
    }
  }
}
