import { DataSource, type DataSourceOptions } from 'typeorm';
import { type DatabaseConfig, ensureSqliteDirectory } from '../config/config.js';
import { MIGRATIONS } from '../../migrations/index.js';

/**
 * The entity classes to map. The list belongs to the composition root (src/entities.ts), which
 * knows the features; this folder sits below them and imports none.
 */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

/**
 * SQLite's busy_timeout (ms): how long a statement waits for another connection's lock before it
 * fails with SQLITE_BUSY. better-sqlite3 is synchronous, so the wait blocks the event loop: it is
 * kept short, and a longer lock is waited out by DatabaseService.retrying (asynchronous backoff,
 * up to DB_RETRY_S).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 1_000;

/** PostgreSQL: how long a statement waits for a lock before it fails (ms). */
export const PG_LOCK_TIMEOUT_MS = 2_000;

/** The DataSource options for a database config: explicit entity and migration lists, never synchronize. */
export function dataSourceOptions(db: DatabaseConfig, entities: EntityList): DataSourceOptions {
  const common = {
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: db.logging,
  } as const;
  if (db.kind === 'sqlite') {
    // better-sqlite3 turns foreign_keys ON for every connection; WAL lets readers run during writes.
    // `timeout` is better-sqlite3's name for PRAGMA busy_timeout.
    return { ...common, type: 'better-sqlite3', database: db.path, enableWAL: db.path !== ':memory:', timeout: SQLITE_BUSY_TIMEOUT_MS };
  }
  return {
    ...common,
    type: 'postgres',
    url: db.url,
    schema: db.schema,
    // Every session speaks UTC, so now() and timestamptz text agree whatever the server's zone.
    // A server that does not answer at all (no refusal, no reset) must still fail a connect, so
    // that DatabaseService.retrying sees a transient error instead of waiting forever; keepAlive
    // lets the OS notice a connection that went dead mid-query.
    // A lock someone else holds (a manual `LOCK TABLE`, a long transaction) must not hold a run's
    // write forever either: past lock_timeout the statement fails as transient (55P03), so it is
    // retried for DB_RETRY_S like an outage, and then the run ends.
    extra: {
      options: `-c TimeZone=UTC -c lock_timeout=${PG_LOCK_TIMEOUT_MS}`,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    },
  };
}

/**
 * Builds (does not connect) the one DataSource the app and the migration CLI share.
 * On PostgreSQL, create/update-date columns map to `timestamptz` (the driver's default is a
 * zone-less `timestamp`), matching the migrations so that `migration:generate` finds no drift.
 */
export function createDataSource(db: DatabaseConfig, entities: EntityList): DataSource {
  ensureSqliteDirectory(db);
  const dataSource = new DataSource(dataSourceOptions(db, entities));
  if (db.kind === 'postgres') {
    const mapped = dataSource.driver.mappedDataTypes;
    mapped.createDate = 'timestamptz';
    mapped.updateDate = 'timestamptz';
  }
  return dataSource;
}

/**
 * Connects, creates the PostgreSQL schema if one is configured, and applies pending migrations.
 * The schema has to exist before TypeORM creates its migrations table in it.
 */
export async function openDatabase(db: DatabaseConfig, entities: EntityList): Promise<DataSource> {
  const dataSource = createDataSource(db, entities);
  await dataSource.initialize();
  try {
    if (db.kind === 'postgres' && db.schema) {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
    }
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}
