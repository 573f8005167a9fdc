import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OwnedRow } from '../database/owned-row.js';
import { SessionEntity } from '../sessions/session.entity.js';

export const RUN_STATUSES = ['created', 'active', 'complete', 'error', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The statuses a run never leaves (protocol §2.4). */
export const TERMINAL_RUN_STATUSES = ['complete', 'error', 'stopped'] as const;
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

/** One run of a session's team. Deleted with its session. */
@Entity({ name: 'runs' })
@Index('idx_runs_session', ['session_id'])
@Index('idx_runs_user', ['user_id'])
@Index('idx_runs_status_owner', ['status', 'owner_instance'])
export class RunEntity extends OwnedRow {
  @Column({ type: 'integer' })
  session_id!: number;

  @ManyToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'fk_runs_session' })
  session?: Relation<SessionEntity>;

  @Column({ type: 'varchar', length: 16, default: 'created' })
  status!: RunStatus;

  /** The task messages (AgentChat message dumps). */
  @Column({ type: 'simple-json', nullable: true })
  task!: JsonObject[] | null;

  /** The TeamResult once the run has ended. */
  @Column({ type: 'simple-json', nullable: true })
  team_result!: JsonObject | null;

  @Column({ type: 'text', nullable: true })
  error_message!: string | null;

  /** Why the run ended (termination text, the caller's stop reason, …); not in AGS. */
  @Column({ type: 'text', nullable: true })
  stop_reason!: string | null;

  /** The highest seq the live run may have sent (LiveRun's durable reservation); internal, not in API rows. */
  @Column({ type: 'integer', default: 0, select: false })
  seq_reserved?: number;

  /**
   * Cluster mode: the instance (INSTANCE_ID) that runs it, set when it is activated; its lease in
   * `cluster_instances` says whether that instance is alive. Internal, not in API rows.
   */
  @Column({ type: 'varchar', length: 200, nullable: true, select: false })
  owner_instance?: string | null;
}
