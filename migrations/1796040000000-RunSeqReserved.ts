import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `runs.seq_reserved`: the highest seq a live run may have handed out (see LiveRun). Chunks are
 * sent before they are stored, so after a crash the log alone cannot say which seqs viewers saw;
 * recovery numbers its terminal frame after this mark and never reuses one of them.
 *
 * Plain `ALTER TABLE … ADD COLUMN`, valid on SQLite and PostgreSQL: TypeORM's addColumn would
 * rebuild the SQLite table, and dropping `runs` with foreign keys on cascades to its messages.
 */
export class RunSeqReserved1796040000000 implements MigrationInterface {
  name = 'RunSeqReserved1796040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${runsTable(q)} ADD COLUMN "seq_reserved" integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${runsTable(q)} DROP COLUMN "seq_reserved"`);
  }
}

/** `runs`, qualified with the configured PostgreSQL schema when there is one. */
function runsTable(q: QueryRunner): string {
  const schema = q.connection.driver.options.type === 'postgres' ? (q.connection.driver.options as { schema?: string }).schema : undefined;
  return schema ? `"${schema}"."runs"` : '"runs"';
}
