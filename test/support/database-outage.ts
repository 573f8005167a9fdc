/**
 * A test database the test can take away from the app and give back, on whichever database the
 * e2e suites run on (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set):
 * - SQLite: another process takes the write lock (`BEGIN IMMEDIATE`) and holds it, so the app's
 *   writes get SQLITE_BUSY once its busy_timeout runs out ("database is locked");
 * - PostgreSQL: the app connects through a TCP proxy (test/support/tcp-proxy.ts), which is cut:
 *   its connections are reset and new ones refused. The shared server is not touched.
 * `dropTables()` is the other kind of trouble: the app's tables vanish (PostgreSQL: its schema).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface OutageDatabase {
  /** Give this to startTestApp({ database }): its config is what the app connects to. */
  database: TestDatabase;
  /** Takes the database away; resolves once it is away. */
  begin(): Promise<void>;
  /** Gives it back; resolves once it is back. */
  end(): Promise<void>;
  /** Drops the app's tables (PostgreSQL: its whole schema). */
  dropTables(): Promise<void>;
  /** Ends any outage and drops the database. */
  close(): Promise<void>;
}

export async function createOutageDatabase(): Promise<OutageDatabase> {
  const db = await createTestDatabase();
  return db.config.kind === 'sqlite' ? sqliteOutage(db, db.config.path) : postgresOutage(db, db.config.url, db.config.schema);
}

/** The lock holder: a separate process, as in the field (a backup, a second instance, sqlite3). */
const LOCK_SCRIPT = `
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';
const db = new Database(process.argv[1], { timeout: 10000 });
db.exec('BEGIN IMMEDIATE');
console.log('locked');
createInterface({ input: process.stdin }).once('line', () => {
  db.exec('COMMIT');
  db.close();
  console.log('released');
  process.exit(0);
});
`;

function sqliteOutage(db: TestDatabase, path: string): OutageDatabase {
  let holder: ChildProcess | undefined;
  const line = (child: ChildProcess, text: string) =>
    new Promise<void>((done, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`lock holder did not say "${text}" in 15 s: ${out}`)), 15_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (!out.includes(text)) return;
        clearTimeout(timer);
        done();
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    });
  const end = async () => {
    if (!holder) return;
    const child = holder;
    holder = undefined;
    const released = line(child, 'released');
    child.stdin!.write('release\n');
    await released;
  };
  return {
    database: db,
    begin: async () => {
      holder = spawn(process.execPath, ['--input-type=module', '-e', LOCK_SCRIPT, path], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      await line(holder, 'locked');
    },
    end,
    dropTables: async () => {
      const conn = new Database(path, { timeout: 10_000 });
      try {
        conn.pragma('foreign_keys = OFF');
        for (const { name } of conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
          name: string;
        }[]) {
          conn.exec(`DROP TABLE "${name}"`);
        }
      } finally {
        conn.close();
      }
    },
    close: async () => {
      await end();
      await db.drop();
    },
  };
}

async function postgresOutage(db: TestDatabase, url: string, schema: string | undefined): Promise<OutageDatabase> {
  const direct = new URL(url);
  const proxy: TcpProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return {
    database: { ...db, config: { kind: 'postgres', url: proxied.toString(), schema, logging: false } },
    begin: async () => proxy.cut(),
    end: async () => proxy.restore(),
    dropTables: async () => {
      if (!schema) throw new Error('refusing to drop a schema the test did not create');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      proxy.restore();
      await proxy.close();
      await db.drop();
    },
  };
}
