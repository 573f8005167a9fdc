import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { openDatabase, SQLITE_BUSY_TIMEOUT_MS } from './data-source.factory.js';
import { DatabaseService } from './database.service.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** A DatabaseService over a stand-in DataSource whose transactions fail while `down` is true. */
function service(dbRetryS: number) {
  const state = { down: false, attempts: 0 };
  const dataSource = {
    options: { type: 'postgres' },
    transaction: async <T>(work: (em: EntityManager) => Promise<T>): Promise<T> => {
      state.attempts++;
      if (state.down) throw busy();
      return work({} as EntityManager);
    },
  } as unknown as DataSource;
  const config = loadConfig({ DB_RETRY_S: String(dbRetryS) });
  return { db: new DatabaseService(dataSource, config), state };
}

describe(DatabaseService.name, () => {
  it('retries a transient failure until the database answers, and says so to its listeners', async () => {
    const { db, state } = service(30);
    state.down = true;
    let answers = 0;
    db.onAnswer(() => answers++);
    const retries: unknown[] = [];
    db.onRetry((error) => {
      retries.push(error);
      if (retries.length === 2) state.down = false;
    });
    await expect(db.retrying(async () => 'ok')).resolves.toBe('ok');
    expect(state.attempts).toBe(3);
    expect(retries).toHaveLength(2);
    expect(answers).toBe(1);
  });

  it('gives one outage one DB_RETRY_S: a write that starts once it has run out makes a single attempt', async () => {
    const { db, state } = service(0.2);
    state.down = true;
    await expect(db.retrying(async () => 'lost')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    const spent = state.attempts;
    expect(spent).toBeGreaterThan(1);
    await expect(db.retrying(async () => 'lost too')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(state.attempts).toBe(spent + 1);
    // Once the database answers, the next outage gets a full budget again.
    state.down = false;
    await db.retrying(async () => 'stored');
    state.down = true;
    const before = state.attempts;
    await expect(db.retrying(async () => 'lost')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(state.attempts - before).toBeGreaterThan(1);
  });

  it('does not retry a failure that is not transient', async () => {
    const { db, state } = service(30);
    await expect(
      db.retrying(async () => {
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate key');
    expect(state.attempts).toBe(1);
  });

  it(`opens SQLite with a busy_timeout of ${SQLITE_BUSY_TIMEOUT_MS} ms`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teamstream-busy-'));
    const dataSource = await openDatabase({ kind: 'sqlite', path: join(dir, 'x.db'), logging: false }, []);
    try {
      expect(await dataSource.query('PRAGMA busy_timeout')).toEqual([{ timeout: SQLITE_BUSY_TIMEOUT_MS }]);
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
