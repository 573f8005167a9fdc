import { DataSource, type DataSourceOptions } from 'typeorm';
import { type DatabaseConfig, ensureSqliteDirectory } from '../config/config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

/** The DataSource options for a database config: explicit entity and migration lists, never synchronize. */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: db.logging,
  } as const;
  if (db.kind === 'sqlite') {
    // better-sqlite3 turns foreign_keys ON for every connection; WAL lets readers run during writes.
    return { ...common, type: 'better-sqlite3', database: db.path, enableWAL: db.path !== ':memory:' };
  }
  return {
    ...common,
    type: 'postgres',
    url: db.url,
    schema: db.schema,
    // Every session speaks UTC, so now() and timestamptz text agree whatever the server's zone.
    extra: { options: '-c TimeZone=UTC' },
  };
}

/**
 * Builds (does not connect) the one DataSource the app and the migration CLI share.
 * On PostgreSQL, create/update-date columns map to `timestamptz` (the driver's default is a
 * zone-less `timestamp`), matching the migrations so that `migration:generate` finds no drift.
 */
export function createDataSource(db: DatabaseConfig): DataSource {
  ensureSqliteDirectory(db);
  const dataSource = new DataSource(dataSourceOptions(db));
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
export async function openDatabase(db: DatabaseConfig): Promise<DataSource> {
  const dataSource = createDataSource(db);
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
