import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * Cluster mode's run ownership (README, Deployment: many instances):
 * - `cluster_instances`: one row per live instance (INSTANCE_ID) with the lease it renews on the
 *   database's clock; a row whose `lease_until` has passed belongs to a dead instance.
 * - `runs.owner_instance`: the instance running an `active` run, set in the statement that
 *   activates it; with the index below, peers find the runs of a dead instance cheaply.
 *
 * The table goes through the QueryRunner schema API and the column through a plain `ALTER TABLE
 * … ADD COLUMN` (as RunSeqReserved does), so it runs on SQLite and PostgreSQL alike; with
 * CLUSTER=off nothing reads or writes either.
 */
export class ClusterOwnership1796500000000 implements MigrationInterface {
  name = 'ClusterOwnership1796500000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    const timestamp = postgres ? 'timestamptz' : 'datetime';
    await q.createTable(
      new Table({
        name: 'cluster_instances',
        columns: [
          { name: 'id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'lease_until', type: timestamp },
          { name: 'started_at', type: timestamp },
        ],
      }),
    );
    await q.query(`ALTER TABLE ${table(q, 'runs')} ADD COLUMN "owner_instance" varchar(200)`);
    await q.query(`CREATE INDEX "idx_runs_status_owner" ON ${table(q, 'runs')} ("status", "owner_instance")`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = schemaOf(q);
    await q.query(`DROP INDEX ${schema ? `"${schema}".` : ''}"idx_runs_status_owner"`);
    await q.query(`ALTER TABLE ${table(q, 'runs')} DROP COLUMN "owner_instance"`);
    await q.dropTable('cluster_instances', true);
  }
}

function schemaOf(q: QueryRunner): string | undefined {
  return q.connection.driver.options.type === 'postgres' ? (q.connection.driver.options as { schema?: string }).schema : undefined;
}

/** A table, qualified with the configured PostgreSQL schema when there is one. */
function table(q: QueryRunner, name: string): string {
  const schema = schemaOf(q);
  return schema ? `"${schema}"."${name}"` : `"${name}"`;
}
