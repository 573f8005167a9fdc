import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { OwnedRow } from '../database/owned-row.js';
import { TeamEntity } from '../teams/team.entity.js';

/** A playground session: a named conversation bound to one team. Deleted with its team. */
@Entity({ name: 'sessions' })
@Index('idx_sessions_user', ['user_id'])
@Index('idx_sessions_team', ['team_id'])
export class SessionEntity extends OwnedRow {
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'integer' })
  team_id!: number;

  @ManyToOne(() => TeamEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'team_id', foreignKeyConstraintName: 'fk_sessions_team' })
  team?: Relation<TeamEntity>;
}
