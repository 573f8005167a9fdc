import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { NotFoundError } from '../common/errors.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { defaultTeam } from '../gallery/default-gallery.js';
import { TeamEntity } from './team.entity.js';
import type { UpsertTeam } from './teams.dto.js';

@Injectable()
export class TeamsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(TeamEntity);
  }

  /** The user's teams, newest first. A user with none gets the default team, exactly once. */
  async list(userId: string): Promise<TeamEntity[]> {
    const teams = await this.repo.find({ where: { user_id: userId }, order: { created_at: 'DESC', id: 'DESC' } });
    if (teams.length > 0) return teams;
    await this.db.transaction(async (em) => {
      // Concurrent first calls queue on this lock; the later ones find the team already made.
      await this.db.lockKey(em, `default-team:${userId}`);
      if ((await em.countBy(TeamEntity, { user_id: userId })) > 0) return;
      await em.insert(TeamEntity, { user_id: userId, component: defaultTeam({ useOpenAI: !!this.config.openai.apiKey }) });
    });
    return this.repo.find({ where: { user_id: userId }, order: { created_at: 'DESC', id: 'DESC' } });
  }

  /** The caller's team; NotFoundError when missing or someone else's. */
  async get(id: number, userId: string, em: EntityManager = this.dataSource.manager): Promise<TeamEntity> {
    const team = await em.findOneBy(TeamEntity, { id, user_id: userId });
    if (!team) throw new NotFoundError('Team', id);
    return team;
  }

  async upsert(userId: string, input: UpsertTeam): Promise<TeamEntity> {
    const id = await this.db.transaction(async (em) => {
      if (input.id === undefined) {
        const result = await em.insert(TeamEntity, { user_id: userId, component: input.component });
        return insertedId(result.identifiers);
      }
      await this.get(input.id, userId, em);
      await em.update(TeamEntity, { id: input.id, user_id: userId }, { component: input.component });
      return input.id;
    });
    return this.get(id, userId);
  }

  /** Deletes the team; the database cascades to its sessions, their runs and messages. */
  async delete(id: number, userId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const result = await em.delete(TeamEntity, { id, user_id: userId });
      if (!result.affected) throw new NotFoundError('Team', id);
    });
  }
}
