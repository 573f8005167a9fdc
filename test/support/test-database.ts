import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/config.js';

/** A database for one test suite, and how to throw it away. */
export interface TestDatabase {
  config: DatabaseConfig;
  kind: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

/**
 * A fresh, isolated database: a SQLite file in a new temp directory, or, when TEST_DATABASE_URL
 * is a postgres:// URL, a new schema in that database (suites run in parallel, so each gets its own).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  return url && /^postgres(ql)?:\/\//.test(url) ? createPostgresDatabase(url) : createSqliteDatabase();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh schema in the PostgreSQL database at `url`, whatever TEST_DATABASE_URL says. */
export async function createPostgresDatabase(url: string): Promise<TestDatabase & { schema: string }> {
  const schema = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin(url, `CREATE SCHEMA "${schema}"`);
  return {
    kind: 'postgres',
    schema,
    config: { kind: 'postgres', url, schema, logging: false },
    drop: () => admin(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}

/** A fresh SQLite file in a new temp directory, whatever TEST_DATABASE_URL says. */
export function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'teamstream-test-'));
  return {
    kind: 'sqlite',
    config: { kind: 'sqlite', path: join(dir, 'test.db'), logging: false },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment that points a server process (test/support/server-process.ts) at `db`. */
export function serverDatabaseEnv(db: TestDatabase): Record<string, string> {
  if (db.config.kind === 'sqlite') return { DATABASE_URL: `sqlite:${db.config.path}` };
  return { DATABASE_URL: db.config.url, ...(db.config.schema ? { DATABASE_SCHEMA: db.config.schema } : {}) };
}
