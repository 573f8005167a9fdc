import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, ownedBy } from '../auth/caller.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { NotFoundError } from '../common/errors.js';
import { restoreSecrets } from '../common/secrets.js';
import { type SecretsCipher, secretsCipherFor } from '../common/secrets-crypto.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { defaultTeam } from '../gallery/default-gallery.js';
import { TeamEntity } from './team.entity.js';
import type { UpsertTeam } from './teams.dto.js';

/**
 * Teams, scoped to the caller through {@link ownedBy} (an admin sees every user's). With
 * SECRETS_KEY set the secrets inside a stored component (`api_key`, credential-like `env` and
 * `headers` values) are written encrypted and decrypted as rows are read here, the one way in.
 */
@Injectable()
export class TeamsService {
  private readonly cipher: SecretsCipher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly liveRuns: LiveRunRegistry,
  ) {
    this.cipher = secretsCipherFor(config.secrets);
  }

  /** `team` with its stored secrets decrypted (throws SecretsKeyError naming SECRETS_KEY when they cannot be). */
  private opened(team: TeamEntity): TeamEntity {
    team.component = this.cipher.openSecrets(team.component);
    return team;
  }

  private get repo() {
    return this.dataSource.getRepository(TeamEntity);
  }

  /** The teams the caller may see, newest first. A caller with none of their own gets the default team, exactly once. */
  async list(caller: Caller): Promise<TeamEntity[]> {
    const find = async () => (await this.repo.find({ where: ownedBy(caller), order: { created_at: 'DESC', id: 'DESC' } })).map((t) => this.opened(t));
    if (!caller.isAdmin) {
      const teams = await find();
      if (teams.length > 0) return teams;
    }
    const userId = caller.userId;
    await this.db.transaction(async (em) => {
      // Concurrent first calls queue on this lock; the later ones find the team already made.
      await this.db.lockKey(em, `default-team:${userId}`);
      if ((await em.countBy(TeamEntity, { user_id: userId })) > 0) return;
      await em.insert(TeamEntity, { user_id: userId, component: defaultTeam({ useOpenAI: !!this.config.openai.apiKey }) });
    });
    return find();
  }

  /** A team the caller may see; NotFoundError when missing or someone else's. */
  async get(id: number, caller: Caller, em: EntityManager = this.dataSource.manager): Promise<TeamEntity> {
    const team = await em.findOneBy(TeamEntity, { id, ...ownedBy(caller) });
    if (!team) throw new NotFoundError('Team', id);
    return this.opened(team);
  }

  /**
   * Creates a team owned by the caller, or updates team `id` (keeping its owner). Secrets sent
   * back as the redaction marker keep their stored value.
   */
  async upsert(caller: Caller, input: UpsertTeam): Promise<TeamEntity> {
    const id = await this.db.transaction(async (em) => {
      if (input.id === undefined) {
        const result = await em.insert(TeamEntity, {
          user_id: caller.userId,
          component: this.cipher.sealSecrets(restoreSecrets(input.component, undefined)),
        });
        return insertedId(result.identifiers);
      }
      const stored = await this.get(input.id, caller, em);
      await em.update(TeamEntity, { id: input.id }, { component: this.cipher.sealSecrets(restoreSecrets(input.component, stored.component)) });
      return input.id;
    });
    return this.get(id, caller);
  }

  /**
   * Deletes the team; the database cascades to its sessions, their runs and messages. Its live
   * runs are stopped first (reason `Team deleted`). NotFoundError when missing or not the caller's.
   */
  async delete(id: number, caller: Caller): Promise<void> {
    await this.get(id, caller);
    await this.liveRuns.stopScope({ teamId: id }, 'Team deleted');
    await this.db.transaction(async (em) => {
      const result = await em.delete(TeamEntity, { id, ...ownedBy(caller) });
      if (!result.affected) throw new NotFoundError('Team', id);
    });
  }
}
