import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation, Unique } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { RunEntity } from './run.entity.js';

/** The durable event log of a run: every numbered frame, written before it is sent (protocol §2.2). */
@Entity({ name: 'run_events' })
@Unique('uq_run_events_run_seq', ['run_id', 'seq'])
export class RunEventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  run_id!: number;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_run_events_run' })
  run?: Relation<RunEntity>;

  @Column({ type: 'integer' })
  seq!: number;

  /** The frame's `type` (message, message_chunk, input_request, result, …). */
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ type: 'simple-json' })
  frame!: JsonObject;

  @CreateDateColumn()
  created_at!: Date;
}
