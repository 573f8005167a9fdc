import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { TeamsService } from '../teams/teams.service.js';
import { SessionEntity } from './session.entity.js';
import type { CreateSession, UpdateSession } from './sessions.dto.js';

@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    private readonly teams: TeamsService,
  ) {}

  /** The user's sessions, newest first. */
  list(userId: string): Promise<SessionEntity[]> {
    return this.dataSource.getRepository(SessionEntity).find({ where: { user_id: userId }, order: { created_at: 'DESC', id: 'DESC' } });
  }

  /** The caller's session; NotFoundError when missing or someone else's. */
  async get(id: number, userId: string, em: EntityManager = this.dataSource.manager): Promise<SessionEntity> {
    const session = await em.findOneBy(SessionEntity, { id, user_id: userId });
    if (!session) throw new NotFoundError('Session', id);
    return session;
  }

  /** Creates a session on one of the caller's teams (NotFoundError for anyone else's team). */
  async create(userId: string, input: CreateSession): Promise<SessionEntity> {
    const id = await this.db.transaction(async (em) => {
      await this.teams.get(input.team_id, userId, em);
      const result = await em.insert(SessionEntity, { user_id: userId, team_id: input.team_id, name: input.name });
      return insertedId(result.identifiers);
    });
    return this.get(id, userId);
  }

  /** Updates the session named in the path; a new team must be the caller's too. */
  async update(id: number, userId: string, input: UpdateSession): Promise<SessionEntity> {
    await this.db.transaction(async (em) => {
      await this.get(id, userId, em);
      if (input.team_id !== undefined) await this.teams.get(input.team_id, userId, em);
      const changes: Partial<Pick<SessionEntity, 'name' | 'team_id'>> = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.team_id !== undefined) changes.team_id = input.team_id;
      if (Object.keys(changes).length > 0) await em.update(SessionEntity, { id, user_id: userId }, changes);
    });
    return this.get(id, userId);
  }

  /** Deletes the session; the database cascades to its runs and messages. */
  async delete(id: number, userId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const result = await em.delete(SessionEntity, { id, user_id: userId });
      if (!result.affected) throw new NotFoundError('Session', id);
    });
  }
}
