import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * The app's handle on the database: transactions and shutdown.
 *
 * TypeORM drives better-sqlite3 through one shared connection, so two transactions started
 * concurrently would nest as savepoints of each other, and a write made by another request
 * during a transaction would join it. For SQLite, transactions are therefore queued here, one
 * at a time; services make every write through {@link DatabaseService.transaction}.
 */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * Runs `work` in one transaction; commits when it resolves, rolls back when it rejects.
   * Do not call transaction() again from inside `work` (on SQLite that waits for itself
   * forever); pass `em` down instead.
   */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.isPostgres) return this.dataSource.transaction(work);
    const result = this.queue.then(() => this.dataSource.transaction(work));
    // The queue must keep going after a failed transaction; the caller still sees the rejection.
    this.queue = result.catch(() => undefined);
    return result;
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
}
