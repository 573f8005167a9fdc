import { Column, Entity, Unique } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { OwnedRow } from '../database/owned-row.js';

/** A user's settings (one row per user). */
@Entity({ name: 'settings' })
@Unique('uq_settings_user', ['user_id'])
export class SettingsEntity extends OwnedRow {
  @Column({ type: 'simple-json' })
  config!: JsonObject;
}
