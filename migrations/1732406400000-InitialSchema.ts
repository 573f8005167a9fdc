import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions, TableForeignKey, TableIndex, TableUnique } from 'typeorm';

/**
 * The first schema: teams, sessions, runs, messages, run_events, settings, galleries.
 * Written with the QueryRunner schema API (no SQL) so it runs on SQLite and PostgreSQL alike.
 */
export class InitialSchema1732406400000 implements MigrationInterface {
  name = 'InitialSchema1732406400000';

  async up(q: QueryRunner): Promise<void> {
    const c = columnsFor(q);

    await q.createTable(new Table({ name: 'teams', columns: [...c.owned(), c.json('component')], indices: [index('teams', 'user_id')] }));
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [...c.owned(), { name: 'name', type: 'varchar', length: '255' }, { name: 'team_id', type: 'integer' }],
        indices: [index('sessions', 'user_id'), index('sessions', 'team_id')],
        foreignKeys: [fk('fk_sessions_team', 'team_id', 'teams')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'runs',
        columns: [
          ...c.owned(),
          { name: 'session_id', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16', default: "'created'" },
          c.json('task', true),
          c.json('team_result', true),
          { name: 'error_message', type: 'text', isNullable: true },
          { name: 'stop_reason', type: 'text', isNullable: true },
        ],
        indices: [index('runs', 'session_id'), index('runs', 'user_id')],
        foreignKeys: [fk('fk_runs_session', 'session_id', 'sessions')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'messages',
        columns: [
          ...c.owned(),
          { name: 'session_id', type: 'integer' },
          { name: 'run_id', type: 'integer', isNullable: true },
          c.json('config'),
          { ...c.json('message_meta'), default: "'{}'" },
        ],
        indices: [index('messages', 'session_id'), index('messages', 'run_id')],
        foreignKeys: [fk('fk_messages_session', 'session_id', 'sessions'), fk('fk_messages_run', 'run_id', 'runs')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'run_events',
        columns: [
          c.id(),
          { name: 'run_id', type: 'integer' },
          { name: 'seq', type: 'integer' },
          { name: 'type', type: 'varchar', length: '32' },
          c.json('frame'),
          c.timestamp('created_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_run_events_run_seq', columnNames: ['run_id', 'seq'] })],
        foreignKeys: [fk('fk_run_events_run', 'run_id', 'runs')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'settings',
        columns: [...c.owned(), c.json('config')],
        uniques: [new TableUnique({ name: 'uq_settings_user', columnNames: ['user_id'] })],
      }),
    );
    await q.createTable(new Table({ name: 'galleries', columns: [...c.owned(), c.json('config')], indices: [index('galleries', 'user_id')] }));
  }

  async down(q: QueryRunner): Promise<void> {
    // Children first, so no foreign key ever points at a dropped table.
    for (const table of ['run_events', 'messages', 'runs', 'sessions', 'teams', 'settings', 'galleries']) {
      await q.dropTable(table, true, true, true);
    }
  }
}

/** Column builders whose types and defaults depend on the database this migration runs on. */
function columnsFor(q: QueryRunner) {
  const postgres = q.connection.driver.options.type === 'postgres';
  const timestamp = (name: string): TableColumnOptions => ({
    name,
    type: postgres ? 'timestamptz' : 'datetime',
    default: postgres ? 'now()' : "datetime('now')",
  });
  const id = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
  return {
    id,
    timestamp,
    // simple-json columns are text on both databases; TypeORM (de)serialises them.
    json: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
    owned: (): TableColumnOptions[] => [
      id(),
      timestamp('created_at'),
      timestamp('updated_at'),
      { name: 'user_id', type: 'varchar', length: '255' },
      { name: 'version', type: 'varchar', length: '32', default: "'0.0.1'" },
    ],
  };
}

function index(table: string, column: string): TableIndex {
  return new TableIndex({ name: `idx_${table}_${column.replace(/_id$/, '')}`, columnNames: [column] });
}

function fk(name: string, column: string, referenced: string): TableForeignKey {
  return new TableForeignKey({ name, columnNames: [column], referencedTableName: referenced, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}
