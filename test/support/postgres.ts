/**
 * PostgreSQL for tests that must run on it whatever TEST_DATABASE_URL says (the int4 id range,
 * a database that goes away): TEST_DATABASE_URL when it is a postgres:// URL, else the default
 * local server when it answers. Without one such a test is reported as skipped, never passed;
 * with CI or REQUIRE_POSTGRES set, a missing PostgreSQL is a failure instead.
 */
import pg from 'pg';

export { createPostgresDatabase, createSqliteDatabase } from './test-database.js';

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
