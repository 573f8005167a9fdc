import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OwnedRow } from '../database/owned-row.js';
import { SessionEntity } from '../sessions/session.entity.js';
import { RunEntity } from './run.entity.js';

/** One persisted AgentChat message of a run (chunks are never stored here). */
@Entity({ name: 'messages' })
@Index('idx_messages_session', ['session_id'])
@Index('idx_messages_run', ['run_id'])
export class MessageEntity extends OwnedRow {
  @Column({ type: 'integer' })
  session_id!: number;

  @ManyToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'fk_messages_session' })
  session?: Relation<SessionEntity>;

  @Column({ type: 'integer', nullable: true })
  run_id!: number | null;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_messages_run' })
  run?: Relation<RunEntity>;

  /** The message dump, exactly as sent on the wire. */
  @Column({ type: 'simple-json' })
  config!: JsonObject;

  @Column({ type: 'simple-json', default: '{}' })
  message_meta!: JsonObject;
}
