import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, ownedBy, userCaller } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { TeamsService } from '../teams/teams.service.js';
import { SessionEntity } from './session.entity.js';
import type { CreateSession, UpdateSession } from './sessions.dto.js';

@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    private readonly teams: TeamsService,
    private readonly liveRuns: LiveRunRegistry,
  ) {}

  /** The sessions the caller may see, newest first. */
  list(caller: Caller): Promise<SessionEntity[]> {
    return this.dataSource.getRepository(SessionEntity).find({ where: ownedBy(caller), order: { created_at: 'DESC', id: 'DESC' } });
  }

  /** A session the caller may see; NotFoundError when missing or someone else's. */
  async get(id: number, caller: Caller, em: EntityManager = this.dataSource.manager): Promise<SessionEntity> {
    const session = await em.findOneBy(SessionEntity, { id, ...ownedBy(caller) });
    if (!session) throw new NotFoundError('Session', id);
    return session;
  }

  /**
   * Creates a session on a team the caller may see (NotFoundError for anyone else's team). The
   * session belongs to the team's owner, so an admin working on a user's team keeps it theirs.
   */
  async create(caller: Caller, input: CreateSession): Promise<SessionEntity> {
    const id = await this.db.transaction(async (em) => {
      const team = await this.teams.get(input.team_id, caller, em);
      const result = await em.insert(SessionEntity, { user_id: team.user_id, team_id: input.team_id, name: input.name });
      return insertedId(result.identifiers);
    });
    return this.get(id, caller);
  }

  /** Updates the session named in the path; a new team must belong to the session's owner too. */
  async update(id: number, caller: Caller, input: UpdateSession): Promise<SessionEntity> {
    await this.db.transaction(async (em) => {
      const session = await this.get(id, caller, em);
      if (input.team_id !== undefined) await this.teams.get(input.team_id, userCaller(session.user_id), em);
      const changes: Partial<Pick<SessionEntity, 'name' | 'team_id'>> = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.team_id !== undefined) changes.team_id = input.team_id;
      if (Object.keys(changes).length > 0) await em.update(SessionEntity, { id }, changes);
    });
    return this.get(id, caller);
  }

  /**
   * Deletes the session; the database cascades to its runs and messages. Its live runs are
   * stopped first (reason `Session deleted`), so their viewers get their terminal frame and
   * nothing writes to the rows after they are gone. NotFoundError when missing or not the caller's.
   */
  async delete(id: number, caller: Caller): Promise<void> {
    await this.get(id, caller);
    await this.liveRuns.stopScope({ sessionId: id }, 'Session deleted');
    await this.db.transaction(async (em) => {
      const result = await em.delete(SessionEntity, { id, ...ownedBy(caller) });
      if (!result.affected) throw new NotFoundError('Session', id);
    });
  }
}
