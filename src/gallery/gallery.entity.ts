import { Column, Entity, Index } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OwnedRow } from '../database/owned-row.js';

/** A gallery: a named collection of reusable components (teams, agents, models, …). */
@Entity({ name: 'galleries' })
@Index('idx_galleries_user', ['user_id'])
export class GalleryEntity extends OwnedRow {
  @Column({ type: 'simple-json' })
  config!: JsonObject;
}
