import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.factory.js';
import { userCaller } from '../auth/caller.js';
import { NotFoundError } from '../common/errors.js';
import { loadConfig } from '../config/config.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TeamsService } from '../teams/teams.service.js';
import { type RunRef, RunsService } from './runs.service.js';

const USER = userCaller('runner@example.com');
const SOMEONE_ELSE = userCaller('someone@else');
const text = (id: string, content: string) => ({ id, type: 'TextMessage', source: 'assistant_agent', content, metadata: {}, models_usage: null });

describe(RunsService.name, () => {
  let db: TestDatabase;
  let app: INestApplication;
  let runs: RunsService;
  let sessionId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({ ...loadConfig({}), database: db.config }, { logger: false });
    runs = app.get(RunsService);
    const team = await app.get(TeamsService).upsert(USER, { component: { provider: 'autogen_agentchat.teams.RoundRobinGroupChat', config: {} } });
    sessionId = (await app.get(SessionsService).create(USER, { team_id: team.id, name: 's' })).id;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const newRun = async (): Promise<RunRef> => runs.create(USER, sessionId);

  it('creates a run in status created, scoped by user', async () => {
    const run = await newRun();
    expect(await runs.get(run.id, USER)).toMatchObject({ id: run.id, status: 'created', session_id: sessionId });
    await expect(runs.get(run.id, SOMEONE_ELSE)).rejects.toBeInstanceOf(NotFoundError);
    expect(await runs.findById(run.id)).toMatchObject({ user_id: USER.userId });
    expect(await runs.findById(999_999)).toBeNull();
    await expect(runs.create(SOMEONE_ELSE, sessionId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('marks a run active once, storing its task', async () => {
    const run = await newRun();
    const task = [{ ...text('t1', 'do it'), source: 'user' }];
    expect(await runs.markActive(run.id, task)).toBe(true);
    expect(await runs.markActive(run.id, task)).toBe(false);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'active', task });
  });

  it('finishes once: a terminal status is never overwritten', async () => {
    const run = await newRun();
    await runs.markActive(run.id, []);
    expect(await runs.finish(run.id, { status: 'stopped', stopReason: 'User requested stop', teamResult: { task_result: { messages: [], stop_reason: 'User requested stop' } } })).toBe(true);
    expect(await runs.finish(run.id, { status: 'complete', teamResult: { late: true } })).toBe(false);
    expect(await runs.finish(run.id, { status: 'error', errorMessage: 'boom' })).toBe(false);
    expect(await runs.get(run.id, USER)).toMatchObject({
      status: 'stopped',
      stop_reason: 'User requested stop',
      error_message: null,
      team_result: { task_result: { stop_reason: 'User requested stop' } },
    });
  });

  it('lets exactly one of two racing finishes win', async () => {
    const run = await newRun();
    const results = await Promise.all([
      runs.finish(run.id, { status: 'complete', stopReason: 'done' }),
      runs.finish(run.id, { status: 'stopped', stopReason: 'stop' }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('appends message rows in order and reads them oldest first', async () => {
    const run = await newRun();
    const ids = await runs.appendMessages(run, [text('a', 'one'), text('b', 'two')]);
    expect(ids).toHaveLength(2);
    const third = await runs.appendMessage(run, text('c', 'three'), { note: 'x' });
    expect(third).toBeGreaterThan(ids[1]!);
    const rows = await runs.messages(run.id, USER);
    expect(rows.map((m) => m.config.id)).toEqual(['a', 'b', 'c']);
    expect(rows[2]).toMatchObject({ run_id: run.id, session_id: sessionId, user_id: USER.userId, message_meta: { note: 'x' } });
    expect(await runs.appendMessages(run, [])).toEqual([]);
  });

  it('writes event frames all-or-nothing and reads them after a seq', async () => {
    const run = await newRun();
    expect(await runs.lastSeq(run.id)).toBe(0);
    const frame = (seq: number, type = 'message') => ({ seq, type, frame: { type, run_id: run.id, seq, data: { n: seq } } });
    await runs.appendEvents(run.id, [frame(1), frame(2, 'message_chunk'), frame(3)]);
    // A batch with a duplicate seq is refused whole: seq 4 is not stored either.
    await expect(runs.appendEvents(run.id, [frame(4), frame(3)])).rejects.toThrow();
    expect((await runs.eventsAfter(run.id)).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(await runs.eventsAfter(run.id, 1)).toEqual([frame(2, 'message_chunk'), frame(3)]);
    expect((await runs.eventsAfter(run.id, 0, 2)).map((f) => f.seq)).toEqual([1, 2]);
    expect(await runs.lastSeq(run.id)).toBe(3);

    expect(await runs.deleteEvents(run.id, [2])).toBe(1);
    expect((await runs.eventsAfter(run.id)).map((f) => f.seq)).toEqual([1, 3]);
  });

  it('turns runs left active into errors at start-up', async () => {
    const run = await newRun();
    await runs.markActive(run.id, []);
    expect(await runs.interruptActiveRuns()).toBeGreaterThanOrEqual(1);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'error', error_message: 'Interrupted by server restart' });
  });
});
