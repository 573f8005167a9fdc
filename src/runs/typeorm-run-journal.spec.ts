/**
 * The streaming layer's one write path, on a real database (a SQLite file, or PostgreSQL when
 * TEST_DATABASE_URL is set): runs start once, terminal statuses are final, frames are written
 * all or nothing, and a crash's leftovers are ended at start-up with their terminal frame.
 */
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCaller } from '../auth/caller.js';
import { DatabaseService } from '../database/database.service.js';
import { startSessionApp, type SessionApp } from '../../test/support/session-app.js';
import { createMessage, type AgentMessage } from '../engine/index.js';
import { RunRecovery } from './run-recovery.js';
import { RunJournal, type JournalRun, type RunFinish } from './run-journal.js';
import { RunsService } from './runs.service.js';
import type { RunFrame } from './ws-frames.js';

const USER = userCaller('journal@example.com');
const text = (id: string, content: string): AgentMessage => createMessage('TextMessage', 'assistant_agent', { content }, { id });
const finish = (status: RunFinish['status'], reason: string): RunFinish => ({
  status,
  stop_reason: reason,
  error_message: status === 'error' ? reason : null,
  team_result: { task_result: { messages: [], stop_reason: reason }, usage: { prompt_tokens: 0, completion_tokens: 0 }, duration: 0 },
});

describe(RunJournal.name, () => {
  let setup: SessionApp;
  let app: INestApplication;
  let journal: RunJournal;
  let runs: RunsService;
  let sessionId: number;

  beforeAll(async () => {
    setup = await startSessionApp(USER);
    ({ app, sessionId } = setup);
    journal = app.get(RunJournal);
    runs = app.get(RunsService);
  });
  afterAll(async () => {
    await setup?.close();
  });

  const newRun = async (): Promise<JournalRun> => {
    const row = await runs.create(USER, sessionId);
    return { id: row.id, sessionId: row.session_id, userId: row.user_id };
  };
  const frame = (run: JournalRun, seq: number, type: 'message' | 'message_chunk' = 'message'): RunFrame =>
    type === 'message'
      ? { type, data: text(`m${seq}`, `n${seq}`), run_id: run.id, seq }
      : { type, data: createMessage('ModelClientStreamingChunkEvent', 'a', { content: `c${seq}`, full_message_id: 'm' }), run_id: run.id, seq };

  it('activates a run once, storing its task', async () => {
    const run = await newRun();
    const task = [createMessage('TextMessage', 'user', { content: 'do it' }, { id: 't1' })];
    expect(await journal.activate(run.id, task)).toBe(true);
    expect(await journal.activate(run.id, task)).toBe(false);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'active', task });
  });

  it('endedAmong names, in one query, the runs whose status is terminal', async () => {
    const [created, active, ended] = [await newRun(), await newRun(), await newRun()];
    await journal.activate(active.id, []);
    await journal.activate(ended.id, []);
    await journal.write(ended, { frames: [frame(ended, 1)], finish: finish('stopped', 'Stopped') });
    expect(await journal.endedAmong([created.id, active.id, ended.id, 999_999])).toEqual([ended.id]);
    expect(await journal.endedAmong([])).toEqual([]);
  });

  it('finishes once: a terminal status is never overwritten', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    await journal.write(run, { frames: [], finish: finish('stopped', 'User requested stop') });
    await journal.write(run, { frames: [], finish: finish('complete', 'late') });
    await journal.write(run, { frames: [], finish: finish('error', 'boom') });
    expect(await runs.get(run.id, USER)).toMatchObject({
      status: 'stopped',
      stop_reason: 'User requested stop',
      error_message: null,
      team_result: { task_result: { stop_reason: 'User requested stop' } },
    });
  });

  it('lets exactly one of two racing finishes win, with its own result', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    await Promise.all([
      journal.write(run, { frames: [], finish: finish('complete', 'done') }),
      journal.write(run, { frames: [], finish: finish('stopped', 'stop') }),
    ]);
    const row = await runs.get(run.id, USER);
    expect(['complete', 'stopped']).toContain(row.status);
    expect(row.stop_reason).toBe(row.status === 'complete' ? 'done' : 'stop');
  });

  it('stores message rows in order and reads them oldest first', async () => {
    const run = await newRun();
    await journal.write(run, { frames: [], messages: [text('a', 'one'), text('b', 'two')] });
    await journal.write(run, { frames: [], messages: [text('c', 'three')] });
    const rows = await runs.messages(run.id, USER);
    expect(rows.map((m) => m.config.id)).toEqual(['a', 'b', 'c']);
    expect(rows[2]).toMatchObject({ run_id: run.id, session_id: sessionId, user_id: USER.userId, message_meta: {} });
  });

  it('writes frames all-or-nothing and reads them after a seq', async () => {
    const run = await newRun();
    expect(await journal.framesAfter(run.id, 0)).toEqual([]);
    const written = [frame(run, 1), frame(run, 2, 'message_chunk'), frame(run, 3)];
    await journal.write(run, { frames: written });
    // A batch with a duplicate seq is refused whole: seq 4, and the message with it, are not stored.
    await expect(journal.write(run, { frames: [frame(run, 4), frame(run, 3)], messages: [text('x', 'lost')] })).rejects.toThrow();
    expect((await journal.framesAfter(run.id, 0)).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(await journal.framesAfter(run.id, 1)).toEqual(written.slice(1));
    expect((await journal.framesAfter(run.id, 0)).at(-1)?.seq).toBe(3);
    expect(await runs.messages(run.id, USER)).toEqual([]);
  });

  it('compacts: deletes only the chunk rows in the given seq ranges, in the same transaction as the write', async () => {
    const run = await newRun();
    const stored = [
      frame(run, 1),
      frame(run, 2, 'message_chunk'),
      frame(run, 3, 'message_chunk'),
      frame(run, 4),
      frame(run, 5, 'message_chunk'),
      frame(run, 6, 'message_chunk'),
    ];
    await journal.write(run, { frames: stored });
    // A write that fails stores nothing and deletes nothing.
    await expect(journal.write(run, { frames: [frame(run, 7), frame(run, 1)], compact: [{ from: 1, to: 6 }] })).rejects.toThrow();
    expect((await journal.framesAfter(run.id, 0)).map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Ranges cover messages too (seqs 1 and 4): only message_chunk rows go.
    await journal.write(run, {
      frames: [frame(run, 7)],
      compact: [
        { from: 1, to: 2 },
        { from: 3, to: 5 },
      ],
    });
    expect((await journal.framesAfter(run.id, 0)).map((f) => [f.seq, f.type])).toEqual([
      [1, 'message'],
      [4, 'message'],
      [6, 'message_chunk'],
      [7, 'message'],
    ]);
    // More ranges than one statement takes.
    const many = Array.from({ length: 450 }, (_, i) => frame(run, 8 + 2 * i, 'message_chunk'));
    await journal.write(run, { frames: many });
    await journal.write(run, { frames: [frame(run, 2000)], compact: many.map((f) => ({ from: f.seq, to: f.seq })) });
    expect((await journal.framesAfter(run.id, 6)).map((f) => f.seq)).toEqual([6, 7, 2000].filter((seq) => seq > 6));
  });

  it('ends runs left active by a crash as error, adding their terminal frame', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    const usage = { prompt_tokens: 7, completion_tokens: 3 };
    const costly = createMessage('TextMessage', 'assistant_agent', { content: 'paid for' }, { models_usage: usage });
    await journal.write(run, { frames: [frame(run, 1), { type: 'message', data: costly, run_id: run.id, seq: 2 }] });
    expect(await app.get(RunRecovery).recoverInterruptedRuns()).toBeGreaterThanOrEqual(1);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'error', error_message: 'Interrupted by server restart' });
    const end = (await journal.framesAfter(run.id, 0)).at(-1);
    expect(end).toMatchObject({ type: 'completion', status: 'error', seq: 3, run_id: run.id });
    // Usage is real: what the run had spent before the crash.
    expect(end).toMatchObject({ data: { usage } });
  });

  it("keeps a run's seq reservation, never lowers it, and recovery numbers its terminal frame after it", async () => {
    const run = await newRun();
    await journal.activate(run.id, [], 1000);
    await journal.write(run, { frames: [frame(run, 1), frame(run, 2, 'message_chunk')], reserveThrough: 1500 });
    await journal.reserve(run.id, 1200);
    await app.get(RunRecovery).recoverInterruptedRuns();
    // Seqs up to 1500 may have been sent as chunks that were never stored: the end takes 1501.
    expect(await journal.lastFrame(run.id)).toMatchObject({ type: 'completion', status: 'error', seq: 1501 });
    // The reservation is internal: rows as the API serialises them do not show it.
    expect(JSON.parse(JSON.stringify(await runs.get(run.id, USER)))).not.toHaveProperty('seq_reserved');
  });

  it('stores nothing of a write whose finish finds the run already terminal', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    const stopped: RunFrame = { ...frame(run, 1), seq: 1 };
    await journal.write(run, { frames: [stopped], finish: finish('stopped', 'stop') });
    await journal.write(run, {
      frames: [frame(run, 2, 'message_chunk'), frame(run, 3)],
      messages: [text('late', 'late')],
      finish: finish('error', 'late'),
    });
    expect((await journal.framesAfter(run.id, 0)).map((f) => f.seq)).toEqual([1]);
    expect(await runs.messages(run.id, USER)).toEqual([]);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'stopped' });
  });

  it('writeLater stores the end of a run, skipping frames already stored, or nothing once the run is terminal', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    await journal.write(run, { frames: [frame(run, 1), frame(run, 2, 'message_chunk')] });
    await journal.writeLater(run, { frames: [frame(run, 2, 'message_chunk'), frame(run, 3)], finish: finish('error', 'Database unavailable: gone') });
    expect((await journal.framesAfter(run.id, 0)).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'error', stop_reason: 'Database unavailable: gone' });

    await journal.writeLater(run, { frames: [frame(run, 4)], finish: finish('error', 'again') });
    expect((await journal.lastFrame(run.id))?.seq).toBe(3);
    expect(await runs.get(run.id, USER)).toMatchObject({ stop_reason: 'Database unavailable: gone' });
  });

  it('a write whose commit was lost with the connection is not stored twice when retried', async () => {
    const run = await newRun();
    const db = app.get(DatabaseService);
    const real = db.transaction.bind(db);
    let calls = 0;
    // The first attempt commits, then the connection "drops" before the answer arrives.
    db.transaction = async (work) => {
      const result = await real(work);
      if (calls++ === 0) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      return result;
    };
    try {
      await journal.write(run, { frames: [frame(run, 1), frame(run, 2)], messages: [text('once', 'once')] });
    } finally {
      db.transaction = real;
    }
    expect(calls).toBe(2);
    expect((await journal.framesAfter(run.id, 0)).map((f) => f.seq)).toEqual([1, 2]);
    expect((await runs.messages(run.id, USER)).map((m) => m.config.id)).toEqual(['once']);
  });

  it('stores a stop reason and error text without U+0000 or lone surrogates', async () => {
    const run = await newRun();
    await journal.activate(run.id, []);
    await journal.write(run, { frames: [], finish: finish('error', 'model said \u0000no\uD800') });
    expect(await runs.get(run.id, USER)).toMatchObject({ status: 'error', stop_reason: 'model said no', error_message: 'model said no' });
  });
});
