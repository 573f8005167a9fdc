import { Injectable } from '@nestjs/common';
import { DataSource, In, MoreThan } from 'typeorm';
import { type Caller, ownedBy } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import type { JsonObject } from '../common/json.js';
import { DatabaseService } from '../database/database.service.js';
import { insertedId } from '../database/inserted-id.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MessageEntity } from './message.entity.js';
import { RunEventEntity } from './run-event.entity.js';
import { RunEntity, TERMINAL_RUN_STATUSES, type TerminalRunStatus } from './run.entity.js';

/** What a message row needs to know about its run. */
export type RunRef = Pick<RunEntity, 'id' | 'session_id' | 'user_id'>;

/** How a run ended. `complete`, `error` and `stopped` are final (protocol §2.4). */
export interface RunOutcome {
  status: TerminalRunStatus;
  /** The TeamResult sent in the terminal frame. */
  teamResult?: JsonObject | null;
  errorMessage?: string | null;
  stopReason?: string | null;
}

/** One numbered frame of a run's event log. */
export interface RunFrame {
  seq: number;
  /** The frame's `type` (message, message_chunk, input_request, result, completion, …). */
  type: string;
  frame: JsonObject;
}

/**
 * Runs and what they produce: their rows, their messages and their durable event log.
 * The REST routes use the scoped reads; the WebSocket layer drives a run's life through
 * markActive → appendMessages / appendEvents → finish. Every method takes ids, never a request.
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

  /**
   * `created` → `active`, storing the task messages. Returns false (and changes nothing) when the
   * run is not in `created`: a run starts once.
   */
  async markActive(runId: number, task: JsonObject[]): Promise<boolean> {
    const result = await this.db.transaction((em) =>
      em.createQueryBuilder().update(RunEntity).set({ status: 'active', task }).where('id = :runId', { runId }).andWhere('status = :created', { created: 'created' }).execute(),
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Ends the run with a terminal status. The WHERE clause refuses to overwrite a terminal status,
   * so of two racing finishes (say, complete vs stop) the first wins. Returns whether this call won.
   */
  async finish(runId: number, outcome: RunOutcome): Promise<boolean> {
    const result = await this.db.transaction((em) =>
      em
        .createQueryBuilder()
        .update(RunEntity)
        .set({
          status: outcome.status,
          team_result: outcome.teamResult ?? null,
          error_message: outcome.errorMessage ?? null,
          stop_reason: outcome.stopReason ?? null,
        })
        .where('id = :runId', { runId })
        .andWhere('status NOT IN (:...terminal)', { terminal: [...TERMINAL_RUN_STATUSES] })
        .execute(),
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Marks every run still `active` as `error` (for start-up after a crash, protocol §2.4).
   * Returns how many runs it changed.
   */
  async interruptActiveRuns(reason = 'Interrupted by server restart'): Promise<number> {
    const result = await this.db.transaction((em) =>
      em.createQueryBuilder().update(RunEntity).set({ status: 'error', error_message: reason, stop_reason: reason }).where('status = :active', { active: 'active' }).execute(),
    );
    return result.affected ?? 0;
  }

  /** Stores message rows (one per non-chunk message dump) in order, in one transaction; returns their ids. */
  async appendMessages(run: RunRef, dumps: JsonObject[], meta: JsonObject = {}): Promise<number[]> {
    if (dumps.length === 0) return [];
    return this.db.transaction(async (em) => {
      const ids: number[] = [];
      // One insert per row keeps ids (and so the oldest-first order) in the order given.
      for (const config of dumps) {
        const result = await em.insert(MessageEntity, { user_id: run.user_id, session_id: run.session_id, run_id: run.id, config, message_meta: meta });
        ids.push(insertedId(result.identifiers));
      }
      return ids;
    });
  }

  /** Stores one message row; returns its id. */
  async appendMessage(run: RunRef, dump: JsonObject, meta: JsonObject = {}): Promise<number> {
    const [id] = await this.appendMessages(run, [dump], meta);
    return id!;
  }

  /**
   * Writes frames to the run's event log in one transaction: all or none. A duplicate
   * `(run_id, seq)` rejects the whole batch (unique constraint).
   */
  async appendEvents(runId: number, frames: RunFrame[]): Promise<void> {
    if (frames.length === 0) return;
    await this.db.transaction(async (em) => {
      for (const f of frames) await em.insert(RunEventEntity, { run_id: runId, seq: f.seq, type: f.type, frame: f.frame });
    });
  }

  /** Frames with `seq > afterSeq`, in order; `limit` bounds one page of a replay. */
  async eventsAfter(runId: number, afterSeq = 0, limit?: number): Promise<RunFrame[]> {
    const rows = await this.dataSource.manager.find(RunEventEntity, {
      where: { run_id: runId, seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      ...(limit === undefined ? {} : { take: limit }),
    });
    return rows.map((r) => ({ seq: r.seq, type: r.type, frame: r.frame }));
  }

  /** The highest stored seq of the run, 0 when none: where numbering resumes. */
  async lastSeq(runId: number): Promise<number> {
    const row = await this.dataSource.manager.findOne(RunEventEntity, { where: { run_id: runId }, order: { seq: 'DESC' }, select: { seq: true } });
    return row?.seq ?? 0;
  }

  /** Removes frames by seq (e.g. chunks compacted once their final message is stored); returns how many. */
  async deleteEvents(runId: number, seqs: number[]): Promise<number> {
    if (seqs.length === 0) return 0;
    const result = await this.db.transaction((em) => em.delete(RunEventEntity, { run_id: runId, seq: In(seqs) }));
    return result.affected ?? 0;
  }
}
