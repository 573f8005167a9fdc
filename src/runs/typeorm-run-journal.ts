/**
 * The RunJournal on TypeORM: frames, message rows and the run's status change are written in
 * one transaction, so a frame is never visible without the rows it stands for, and a terminal
 * status never without its terminal frame. Terminal statuses are final: the UPDATE only
 * matches a run that is still `created` or `active`.
 */
import { Injectable } from '@nestjs/common';
import { In, MoreThan, type EntityManager } from 'typeorm';
import type { JsonObject } from '../common/json.js';
import { DatabaseService } from '../database/database.service.js';
import type { AgentMessage } from '../engine/index.js';
import { MessageEntity } from './message.entity.js';
import { RunEventEntity } from './run-event.entity.js';
import { RunJournal, type JournalRun, type JournalWrite } from './run-journal.js';
import { RunEntity } from './run.entity.js';
import type { RunFrame } from './ws-frames.js';

const LIVE_STATUSES = ['created', 'active'] as const;

@Injectable()
export class TypeOrmRunJournal extends RunJournal {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async write(run: JournalRun, write: JournalWrite): Promise<void> {
    if (write.frames.length === 0 && !write.messages?.length && !write.finish) return;
    await this.db.transaction(async (em) => {
      if (write.frames.length > 0) await this.insertFrames(em, run.id, write.frames);
      if (write.messages?.length) {
        await em.insert(MessageEntity, write.messages.map((message) => messageRow(run, message)));
      }
      if (write.finish) {
        const { status, team_result, stop_reason, error_message } = write.finish;
        await em.update(
          RunEntity,
          { id: run.id, status: In([...LIVE_STATUSES]) },
          { status, team_result: team_result as unknown as JsonObject, stop_reason, error_message },
        );
      }
    });
  }

  /**
   * The hot path of every run: chunks arrive in batches of every size, and TypeORM's insert
   * builds and prepares new SQL for each size. One parameterised row statement, the same text
   * every time, hits the driver's statement cache (SQLite); PostgreSQL takes one multi-row
   * statement per batch, one round trip.
   */
  private async insertFrames(em: EntityManager, runId: number, frames: readonly RunFrame[]): Promise<void> {
    const table = this.eventsTable(em);
    const row = (frame: RunFrame) => [runId, frame.seq, frame.type, JSON.stringify(frame)];
    if (!this.db.isPostgres) {
      for (const frame of frames) await em.query(`INSERT INTO ${table} (run_id, seq, type, frame) VALUES (?, ?, ?, ?)`, row(frame));
      return;
    }
    const values = frames.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ');
    await em.query(`INSERT INTO ${table} (run_id, seq, type, frame) VALUES ${values}`, frames.flatMap(row));
  }

  /** `run_events`, schema-qualified and quoted as the database wants it. */
  private eventsTable(em: EntityManager): string {
    const { driver } = em.connection;
    return em.connection
      .getMetadata(RunEventEntity)
      .tablePath.split('.')
      .map((part) => driver.escape(part))
      .join('.');
  }

  async framesAfter(runId: number, after: number): Promise<RunFrame[]> {
    const rows = await this.db.dataSource.getRepository(RunEventEntity).find({
      select: { frame: true, seq: true },
      where: { run_id: runId, seq: MoreThan(after) },
      order: { seq: 'ASC' },
    });
    return rows.map((row) => row.frame as unknown as RunFrame);
  }

  async activate(runId: number, task: AgentMessage[]): Promise<boolean> {
    return this.db.transaction(async (em) => {
      const result = await em.update(
        RunEntity,
        { id: runId, status: 'created' },
        { status: 'active', task: task as unknown as JsonObject[] },
      );
      return (result.affected ?? 0) > 0;
    });
  }
}

function messageRow(run: JournalRun, message: AgentMessage): Partial<MessageEntity> {
  return {
    user_id: run.userId,
    session_id: run.sessionId,
    run_id: run.id,
    config: message as unknown as JsonObject,
    message_meta: {},
  };
}
