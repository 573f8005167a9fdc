/**
 * Group commit: units of work from many writers (every live run's chunk batches, activations,
 * reservations) committed together, one transaction for all the units that arrived while the
 * previous one was waiting or running, instead of one transaction each. A run's first chunk then
 * waits for a couple of commits, not for every other run's commit before its own; on SQLite every
 * commit is a WAL sync. (DatabaseService uses it on SQLite only; see DatabaseService.shared.)
 *
 * A unit keeps the contract of a transaction of its own: it resolves once its work is committed
 * and rejects when it is not, and nothing of a rejected unit is stored. Units get no savepoints
 * of their own (two more statements each); when one unit fails with an error of its
 * own, the group is rolled back, that unit rejects with its error, and every other unit of the
 * group runs again in a transaction of its own, so one bad unit never takes others with it. A
 * transient failure (see isTransientDbError) or a failed commit rejects every unit of the group
 * with that error: the database, not a unit, is at fault, and callers retry (DatabaseService.retrying).
 *
 * Units of one group run one after another on one connection, so a unit must not wait for
 * another unit (nor start a transaction of its own: see DatabaseService.transaction).
 */
import type { EntityManager } from 'typeorm';
import { isTransientDbError } from './db-retry.js';

type Work<T> = (em: EntityManager) => Promise<T>;

interface Unit {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most units in one transaction: bounds how long one commit holds the others back. */
  maxUnits: number;
  /** Most group transactions at once (1 on SQLite, whose transactions are serialised anyway). */
  maxInFlight: number;
}

/** Where a group's transaction comes from: DatabaseService.transaction. */
export type RunTransaction = <T>(work: Work<T>) => Promise<T>;

export class GroupCommit {
  /** The group still accepting units: its transaction has not started yet. */
  private open: Unit[] | undefined;
  /** Groups full or waiting for a slot, oldest first. */
  private readonly waiting: Unit[][] = [];
  private inFlight = 0;

  constructor(
    private readonly transaction: RunTransaction,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Runs `work` in a transaction shared with other units; resolves with its value once committed. */
  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.open || this.open.length >= this.options.maxUnits) {
        this.open = [];
        this.waiting.push(this.open);
      }
      this.open.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.shift()!;
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** One transaction for `group`; settles every unit. Never rejects. */
  private async commit(group: Unit[]): Promise<void> {
    const values: unknown[] = [];
    let failed: { unit: Unit; error: unknown } | undefined;
    try {
      await this.transaction(async (em) => {
        // From here on the group is closed: units arriving now go to the next one.
        if (this.open === group) this.open = undefined;
        for (const unit of group) {
          try {
            values.push(await unit.work(em));
          } catch (error) {
            failed = { unit, error };
            throw error;
          }
        }
      });
    } catch (error) {
      // A transaction that failed before its work began (no connection) leaves the group open:
      // close it, or units arriving now would join a group that will never run.
      if (this.open === group) this.open = undefined;
      if (failed && !isTransientDbError(failed.error)) return this.isolate(group, failed.unit, failed.error);
      for (const unit of group) unit.reject(error);
      return;
    }
    group.forEach((unit, i) => unit.resolve(values[i]));
  }

  /** After `bad` failed with an error of its own: it rejects, the others run again, each alone. */
  private async isolate(group: Unit[], bad: Unit, error: unknown): Promise<void> {
    bad.reject(error);
    await Promise.all(group.filter((unit) => unit !== bad).map((unit) => this.transaction(unit.work).then(unit.resolve, unit.reject)));
  }
}
