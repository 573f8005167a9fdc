/**
 * PostgreSQL for tests that must run on it whatever TEST_DATABASE_URL says (the int4 id range,
 * a database that goes away): TEST_DATABASE_URL when it is a postgres:// URL, else the default
 * local server when it answers. Without one such a test is reported as skipped, never passed;
 * with CI or REQUIRE_POSTGRES set, a missing PostgreSQL is a failure instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestDatabase } from './test-database.js';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The PostgreSQL URL to test against, or undefined (then the caller skips, visibly). */
export async function findPostgres(): Promise<string | undefined> {
  const configured = process.env.TEST_DATABASE_URL;
  const url = configured && /^postgres(ql)?:\/\//.test(configured) ? configured : DEFAULT_POSTGRES_URL;
  if (await answers(url)) return url;
  if (process.env.CI || process.env.REQUIRE_POSTGRES) throw new Error(`PostgreSQL required (CI / REQUIRE_POSTGRES) but ${url} does not answer`);
  console.warn(`PostgreSQL at ${url} does not answer: its tests are skipped`);
  return undefined;
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

/** A fresh schema in the database at `url`, as a TestDatabase. */
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

/** A fresh SQLite file, whatever TEST_DATABASE_URL says. */
export function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'teamstream-test-'));
  return {
    kind: 'sqlite',
    config: { kind: 'sqlite', path: join(dir, 'test.db'), logging: false },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
