import { Entity, Index, Column } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OwnedRow } from '../database/owned-row.js';

/** A team: one AGS ComponentModel of component_type "team". */
@Entity({ name: 'teams' })
@Index('idx_teams_user', ['user_id'])
export class TeamEntity extends OwnedRow {
  @Column({ type: 'simple-json' })
  component!: JsonObject;
}
