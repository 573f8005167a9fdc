import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../src/database/data-source.factory.js';
import { ENTITIES } from '../src/entities.js';
import { MIGRATIONS } from '../migrations/index.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const TABLES = ['chat_conversations', 'galleries', 'messages', 'run_events', 'runs', 'sessions', 'settings', 'teams'];

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.config, ENTITIES);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  async function appTables(): Promise<string[]> {
    const runner = ds.createQueryRunner();
    try {
      const tables = await runner.getTables(TABLES);
      return tables.map((t) => t.name.split('.').pop()!).sort();
    } finally {
      await runner.release();
    }
  }

  async function undoAll(): Promise<void> {
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
  }

  it(`runs up on an empty ${process.env.TEST_DATABASE_URL ? 'PostgreSQL schema' : 'SQLite file'}, down to empty, and up again`, async () => {
    expect(await appTables()).toEqual([]);
    await ds.runMigrations({ transaction: 'each' });
    expect(await appTables()).toEqual(TABLES);
    expect(await ds.showMigrations()).toBe(false);

    await undoAll();
    expect(await appTables()).toEqual([]);
    expect(await ds.showMigrations()).toBe(true);

    await ds.runMigrations({ transaction: 'each' });
    expect(await appTables()).toEqual(TABLES);
  });

  it('leaves no drift between the entities and the migrated schema', async () => {
    const sql = await ds.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('enforces UNIQUE(run_id, seq) on the run event log', async () => {
    const runner = ds.createQueryRunner();
    try {
      const table = await runner.getTable('run_events');
      const unique = [
        ...(table?.uniques ?? []).map((u) => u.columnNames),
        ...(table?.indices ?? []).filter((i) => i.isUnique).map((i) => i.columnNames),
      ];
      expect(unique.map((cols) => [...cols].sort())).toContainEqual(['run_id', 'seq']);
    } finally {
      await runner.release();
    }
  });
});
