import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ENCRYPTED_PREFIX, secretsCipherFor } from '../common/secrets-crypto.js';
import { TeamEntity } from '../teams/team.entity.js';
import { SettingsEntity } from './settings.entity.js';

/** Rows looked at per table: enough to catch a wrong key at start without reading a large database whole. */
const ROWS_CHECKED = 1000;

/**
 * Refuses to start when stored secrets were encrypted with a key that SECRETS_KEY (and
 * SECRETS_KEY_PREVIOUS) do not include, or when SECRETS_KEY is unset while encrypted values
 * exist: the error names SECRETS_KEY and the key id the rows need, instead of every later read
 * failing. Compares key ids only (nothing is decrypted); a row past the first ROWS_CHECKED still
 * fails clearly when it is read.
 */
@Injectable()
export class SecretsKeyCheck implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const cipher = secretsCipherFor(this.config.secrets);
    const known = new Set(cipher.knownKeyIds());
    const tables: [EntityTarget<ObjectLiteral>, string][] = [
      [TeamEntity, 'component'],
      [SettingsEntity, 'config'],
    ];
    for (const [entity, column] of tables) {
      const rows: { v: unknown }[] = await this.dataSource
        .getRepository(entity)
        .createQueryBuilder('r')
        .select(`r.${column}`, 'v')
        .where(`r.${column} LIKE :prefix`, { prefix: `%${ENCRYPTED_PREFIX}%` })
        .limit(ROWS_CHECKED)
        .getRawMany();
      for (const row of rows) {
        for (const match of String(row.v).matchAll(/enc:v1:([0-9a-f]{8}):/g)) {
          // decrypt names the key id and SECRETS_KEY in its error; the body is never reached.
          if (!known.has(match[1]!)) cipher.decrypt(`${ENCRYPTED_PREFIX}${match[1]}:`);
        }
      }
    }
  }
}
