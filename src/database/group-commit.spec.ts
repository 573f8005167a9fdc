import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './data-source.factory.js';
import { DatabaseService } from './database.service.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';

/** A real SQLite file with one table, and a GroupCommit over DatabaseService.transaction that counts its transactions. */
describe(GroupCommit.name, () => {
  let dir: string;
  let dataSource: DataSource;
  let db: DatabaseService;
  let transactions: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'teamstream-group-'));
    dataSource = await openDatabase({ kind: 'sqlite', path: join(dir, 'g.db'), logging: false }, []);
    await dataSource.query('CREATE TABLE t (k TEXT PRIMARY KEY)');
    db = new DatabaseService(dataSource);
    transactions = 0;
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const groupCommit = (options: Partial<GroupCommitOptions> = {}) =>
    new GroupCommit(
      (work) => {
        transactions++;
        return db.transaction(work);
      },
      { maxUnits: 100, maxInFlight: 1, ...options },
    );
  const insert = (k: string) => async (em: EntityManager) => {
    await em.query('INSERT INTO t (k) VALUES (?)', [k]);
    return k;
  };
  /** Holds SQLite's transaction queue (DatabaseService.transaction) until the returned function is called. */
  async function holdTransactions(): Promise<() => Promise<void>> {
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = db.transaction(() => {
      entered();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await inside;
    return async () => {
      release();
      await held;
    };
  }
  const stored = async () => ((await dataSource.query('SELECT k FROM t ORDER BY k')) as { k: string }[]).map((row) => row.k);

  it('commits the units that arrive while a transaction is waiting in one transaction, each resolving with its value', async () => {
    const group = groupCommit();
    // Every unit below arrives while the first group waits behind a held transaction.
    const release = await holdTransactions();
    const units = ['a', 'b', 'c', 'd'].map((k) => group.run(insert(k)));
    await release();
    await expect(Promise.all(units)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect(transactions).toBe(1);
    expect(await stored()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a new group once the open one holds maxUnits units', async () => {
    const group = groupCommit({ maxUnits: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => group.run(insert(k))));
    expect(transactions).toBe(3);
    expect(await stored()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('runs units that arrive during a group in the next group, after it commits', async () => {
    const group = groupCommit();
    let seenDuring: string[] | undefined;
    const first = group.run(async (em) => {
      // A unit submitted while this group runs: it must not join a group that already started.
      void group.run(insert('late'));
      await em.query('INSERT INTO t (k) VALUES (?)', ['early']);
      seenDuring = ((await em.query('SELECT k FROM t')) as { k: string }[]).map((row) => row.k);
    });
    await first;
    expect(seenDuring).toEqual(['early']);
    await expect.poll(stored, { timeout: 5000 }).toEqual(['early', 'late']);
    expect(transactions).toBe(2);
  });

  it('rejects only the unit that failed with an error of its own; the others are stored, the failed one is not', async () => {
    const group = groupCommit();
    const release = await holdTransactions();
    const good1 = group.run(insert('a'));
    const bad = group.run(async (em) => {
      await em.query('INSERT INTO t (k) VALUES (?)', ['bad-partial']);
      await em.query('INSERT INTO missing_table (k) VALUES (1)');
    });
    const good2 = group.run(insert('b'));
    await release();
    await expect(bad).rejects.toThrow(/missing_table/);
    await expect(good1).resolves.toBe('a');
    await expect(good2).resolves.toBe('b');
    expect(await stored()).toEqual(['a', 'b']);
  });

  it('rejects every unit of the group with a transient failure (the database is at fault; callers retry)', async () => {
    const group = groupCommit();
    const release = await holdTransactions();
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const ok = group.run(insert('a'));
    const failing = group.run(() => Promise.reject(busy));
    await release();
    await expect(failing).rejects.toBe(busy);
    await expect(ok).rejects.toBe(busy);
    expect(await stored()).toEqual([]);
  });

  it('a transaction that fails before its work begins (no connection) rejects its units, and later units run in a new group', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let up = false;
    const group = new GroupCommit((work) => (up ? work({} as EntityManager) : Promise.reject(refused)), { maxUnits: 10, maxInFlight: 1 });
    await expect(group.run(async () => 'lost')).rejects.toBe(refused);
    up = true;
    await expect(group.run(async () => 'stored')).resolves.toBe('stored');
  });

  it('keeps at most maxInFlight group transactions at once', async () => {
    let running = 0;
    let most = 0;
    const group = new GroupCommit(
      async (work) => {
        running++;
        most = Math.max(most, running);
        try {
          // Each transaction yields to the event loop, so that an unbounded pump would overlap them.
          await new Promise((resolve) => setImmediate(resolve));
          return await work({} as EntityManager);
        } finally {
          running--;
        }
      },
      { maxUnits: 1, maxInFlight: 2 },
    );
    const values = await Promise.all(Array.from({ length: 6 }, (_, i) => group.run(async () => i)));
    expect(values).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('DatabaseService.shared commits through one group commit: concurrent writers share transactions', async () => {
    const release = await holdTransactions();
    let begins = 0;
    const original = dataSource.transaction.bind(dataSource) as (work: (em: EntityManager) => Promise<unknown>) => Promise<unknown>;
    dataSource.transaction = ((work: (em: EntityManager) => Promise<unknown>) => (begins++, original(work))) as typeof dataSource.transaction;
    const writes = Array.from({ length: 10 }, (_, i) => db.retrying(insert(`k${i}`), { shared: true }));
    await release();
    await Promise.all(writes);
    expect(begins).toBe(1);
    expect(await stored()).toHaveLength(10);
  });
});
