import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Caller, ownedBy } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessageEntity } from './message.entity.js';
import { RunEntity } from './run.entity.js';

/**
 * Runs as the REST routes see them: created, read and listed, scoped by the caller. What a run
 * writes while it executes (status, messages, event log) goes through the RunJournal, the one
 * write path of the streaming layer.
 */
@Injectable()
export class RunsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DatabaseService,
    private readonly sessions: SessionsService,
  ) {}

  /** Creates a run in status `created` on a session the caller may see; it belongs to the session's owner. */
  async create(caller: Caller, sessionId: number): Promise<RunEntity> {
    const id = await this.db.transaction(async (em) => {
      const session = await this.sessions.get(sessionId, caller, em);
      const result = await em.insert(RunEntity, { user_id: session.user_id, session_id: sessionId, status: 'created' });
      return insertedId(result.identifiers);
    });
    return this.get(id, caller);
  }

  /** The run whatever its owner, or null; lets the socket tell "no such run" from "not yours". */
  findById(runId: number): Promise<RunEntity | null> {
    return this.dataSource.manager.findOneBy(RunEntity, { id: runId });
  }

  /** A run the caller may see; NotFoundError when missing or someone else's. */
  async get(runId: number, caller: Caller): Promise<RunEntity> {
    const run = await this.dataSource.manager.findOneBy(RunEntity, { id: runId, ...ownedBy(caller) });
    if (!run) throw new NotFoundError('Run', runId);
    return run;
  }

  /** The messages of a run the caller may see, oldest first. */
  async messages(runId: number, caller: Caller): Promise<MessageEntity[]> {
    await this.get(runId, caller);
    return this.dataSource.manager.find(MessageEntity, { where: { run_id: runId }, order: { created_at: 'ASC', id: 'ASC' } });
  }

  /** The runs of a session the caller may see, oldest first, each with its messages oldest first. */
  async listForSession(sessionId: number, caller: Caller): Promise<{ run: RunEntity; messages: MessageEntity[] }[]> {
    await this.sessions.get(sessionId, caller);
    const [runs, messages] = await Promise.all([
      this.dataSource.manager.find(RunEntity, { where: { session_id: sessionId }, order: { created_at: 'ASC', id: 'ASC' } }),
      this.dataSource.manager.find(MessageEntity, { where: { session_id: sessionId }, order: { created_at: 'ASC', id: 'ASC' } }),
    ]);
    return runs.map((run) => ({ run, messages: messages.filter((m) => m.run_id === run.id) }));
  }
}
