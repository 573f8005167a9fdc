/**
 * Bounded storage per run (protocol §2.2): once a streamed turn's final message is stored, its
 * chunks are compacted away (none left in run_events), so replay of a finished run gives a gap
 * over their seqs and then the message, with the seqs the live viewers had; a viewer joining
 * mid-turn still gets every chunk and no gap; and RUN_MAX_FRAMES stops a run that streams too much.
 */
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../../src/database/data-source.factory.js';
import { ENTITIES } from '../../src/entities.js';
import { RunEventEntity } from '../../src/runs/run-event.entity.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { compactedReplay, coveredSeqs, RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { longReplayTeam, openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The run's rows in run_events, read from the database (not the API): [seq, type] in seq order. */
async function storedRows(ds: DataSource, runId: number): Promise<[number, string][]> {
  const rows = await ds.getRepository(RunEventEntity).find({ select: { seq: true, type: true }, where: { run_id: runId }, order: { seq: 'ASC' } });
  return rows.map((row) => [row.seq, row.type]);
}
const chunkRows = async (ds: DataSource, runId: number) => (await storedRows(ds, runId)).filter(([, type]) => type === 'message_chunk').length;

/** A second connection to the app's database, for reading run_events behind the server's back. */
async function openDatabase(t: TestApp): Promise<DataSource> {
  const ds = createDataSource(t.database.config, ENTITIES);
  await ds.initialize();
  return ds;
}

describe('chunk compaction', () => {
  let t: TestApp;
  let ds: DataSource;
  let model: ChatCompletionsServer | undefined;
  beforeAll(async () => {
    // No flush by timer: chunks are written in batches of 64 only, so what is pending is known.
    t = await startTestApp({ env: { RUN_CHUNK_FLUSH_MS: '60000', RUN_CHUNK_FLUSH_MAX: '64' } });
    ds = await openDatabase(t);
  });
  afterAll(async () => {
    await ds?.destroy();
    await model?.close();
    await t?.close();
  });

  it('a finished streamed reply leaves no chunk rows; replay gives a gap over them, then the message, on the live seqs', async () => {
    const team = longReplayTeam(300);
    const { runId } = await createRun(t, team);
    const live = await RunViewer.open(t.baseUrl, runId);
    live.send({ type: 'start', task: 'Story', team_config: team });
    const end = await live.terminal();
    expect(end.type).toBe('result');
    const sent = live.numbered();
    const chunks = sent.filter((f) => f.type === 'message_chunk');
    expect(chunks.length).toBeGreaterThan(300); // every chunk went out live, 300 words and TERMINATE
    const message = sent.find((f) => f.type === 'message' && f.data.source !== 'user')!;
    expect(chunks.every((f) => f.data.full_message_id === message.data.id)).toBe(true);

    // In the database: the task, the message and the result; not one chunk.
    expect(await storedRows(ds, runId)).toEqual([
      [1, 'message'],
      [message.seq, 'message'],
      [end.seq, 'result'],
    ]);

    const expected = [sent[0], { type: 'gap', run_id: runId, from: 2, to: message.seq - 1, seq: message.seq - 1 }, message, end];
    expect(compactedReplay(sent)).toEqual(expected);
    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    expect(replay.numbered()).toEqual(expected);
    expect((await t.http.get(`/api/runs/${runId}/events`).expect(200)).body.data).toEqual(expected);
    // Resuming inside the compacted seqs: the rest of the gap, then the message.
    const tail = await RunViewer.open(t.baseUrl, runId, { after: 10 });
    await tail.waitClosed();
    expect(tail.numbered()).toEqual([{ type: 'gap', run_id: runId, from: 11, to: message.seq - 1, seq: message.seq - 1 }, message, end]);
    await live.close();
  });

  it('a viewer joining mid-turn gets every chunk, stored and pending, and no gap; the stored ones go with the message', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    model = await startChatCompletionsServer([{ type: 'text', text: `${words(200)} TERMINATE`, hold, holdAfter: 100 }]);
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId } = await createRun(t, team);
    const first = await RunViewer.open(t.baseUrl, runId);
    first.send({ type: 'start', task: 'Talk', team_config: team });
    await first.nth('message_chunk', 100);
    // The model holds after 100 chunks: one batch of 64 is stored, 36 are pending in memory.
    expect(await chunkRows(ds, runId)).toBe(64);

    const late = await RunViewer.open(t.baseUrl, runId);
    await late.nth('message_chunk', 100);
    expect(late.frames.some((f) => f.type === 'gap')).toBe(false);
    expect(late.numbered().map((f) => f.seq)).toEqual(range(1, 101));
    expect(late.numbered()).toEqual(first.numbered());

    release();
    const ends = await Promise.all([first.terminal(), late.terminal()]);
    expect(ends[0]).toMatchObject({ type: 'result' });
    // Live, both got the whole turn chunk by chunk: the same frames, every seq, no gap.
    expect(late.numbered()).toEqual(first.numbered());
    expect(first.numbered().map((f) => f.seq)).toEqual(range(1, ends[0]!.seq));
    expect(first.frames.some((f) => f.type === 'gap')).toBe(false);
    // The 64 stored chunks (and every later batch) were deleted with the message's write.
    expect(await chunkRows(ds, runId)).toBe(0);
    const replay = await RunViewer.open(t.baseUrl, runId);
    await replay.waitClosed();
    expect(replay.numbered()).toEqual(compactedReplay(first.numbered()));
    expect(coveredSeqs(replay.numbered())).toEqual(range(1, ends[0]!.seq));
    await Promise.all([first.close(), late.close()]);
  });
});

describe('RUN_MAX_FRAMES', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ env: { RUN_MAX_FRAMES: '50' } });
    ds = await openDatabase(t);
  });
  afterAll(async () => {
    await ds?.destroy();
    await t?.close();
  });

  it('stops a run whose streamed reply passes the frame limit, with the reason, after at most that many frames', async () => {
    const team = longReplayTeam(500);
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Story', team_config: team });
    const end = await viewer.terminal();
    const reason = 'Frame limit of 50 reached (RUN_MAX_FRAMES)';
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled', seq: 50, data: { task_result: { stop_reason: reason } } });
    const frames: Frame[] = viewer.numbered();
    expect(frames.map((f) => f.seq)).toEqual(range(1, 50));
    expect(frames.slice(1, -1).every((f) => f.type === 'message_chunk')).toBe(true);
    expect((await t.http.get(`/api/runs/${runId}`).expect(200)).body.data).toMatchObject({ status: 'stopped', stop_reason: reason });
    // The turn never got its message: its chunks stay (there is nothing to compact them into).
    const rows = await storedRows(ds, runId);
    expect(rows.map(([seq]) => seq)).toEqual(range(1, 50));
    expect(rows.at(-1)).toEqual([50, 'completion']);
    await viewer.close();
  });
});
