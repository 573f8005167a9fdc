import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * The columns every AGS row has (protocol §1.1): integer id, timestamps, owner and version.
 * Timestamps are set by the database; on PostgreSQL they are `timestamptz` (see data-source.factory).
 */
export abstract class OwnedRow {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @CreateDateColumn()
  created_at!: Date;

  @UpdateDateColumn()
  updated_at!: Date;

  @Column({ type: 'varchar', length: 255 })
  user_id!: string;

  @Column({ type: 'varchar', length: 32, default: '0.0.1' })
  version!: string;
}
