/**
 * A crash (kill -9) never loses a saved frame: after a restart on the same database the run is
 * `error` with `Interrupted by server restart`, and its log replays, now ending with that
 * terminal frame. A graceful shutdown instead ends live runs `stopped` and tells the viewers.
 */
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSource } from '../../src/database/data-source.factory.js';
import { ENTITIES } from '../../src/entities.js';
import { RunEventEntity } from '../../src/runs/run-event.entity.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRunAt } from '../support/runs.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { openAiTeam } from '../support/teams.js';
import { createTestDatabase, serverDatabaseEnv, type TestDatabase } from '../support/test-database.js';

const numbered = (frames: Frame[]) => frames.filter((f) => typeof f.seq === 'number');
/** The seqs a replay accounts for: each frame's own, and every seq a `gap` frame stands in for. */
const covered = (frames: Frame[]) =>
  frames.flatMap((f) => (f.type === 'gap' ? Array.from({ length: f.to - f.from + 1 }, (_, i) => f.from + i) : [f.seq]));

/** How many chunk frames of a run the server has committed (read from its database, not its API). */
async function savedChunks(db: TestDatabase, runId: number): Promise<number> {
  const ds: DataSource = createDataSource(db.config, ENTITIES);
  await ds.initialize();
  try {
    return await ds.getRepository(RunEventEntity).countBy({ run_id: runId, type: 'message_chunk' });
  } finally {
    await ds.destroy();
  }
}

describe('crash recovery', () => {
  let db: TestDatabase;
  let model: ChatCompletionsServer;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    const text = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    model = await startChatCompletionsServer([{ type: 'text', text, delayMs: 10 }]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await model?.close();
    await db?.drop();
  });

  it('kill -9 mid-stream and during an input wait: after restart both runs are error and replay every saved frame', async () => {
    server = await startServerProcess(serverDatabaseEnv(db));
    const streamingTeam = openAiTeam(model.baseUrl);
    const inputTeam = teamFixture('human-in-the-loop');
    const streamingRun = (await createRunAt(server.baseUrl, streamingTeam)).runId;
    const inputRun = (await createRunAt(server.baseUrl, inputTeam)).runId;

    const a = await RunViewer.open(server.baseUrl, streamingRun);
    a.send({ type: 'start', task: 'Talk', team_config: streamingTeam });
    const b = await RunViewer.open(server.baseUrl, inputRun);
    b.send({ type: 'start', task: 'Poem', team_config: inputTeam });
    await b.waitFor((f) => f.type === 'input_request');
    await a.nth('message_chunk', 30);
    // Wait until the chunk batcher has committed what was streamed, so "saved" covers chunks too.
    await expect.poll(() => savedChunks(db, streamingRun), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    await server.kill9();
    await Promise.all([a.waitClosed(), b.waitClosed()]);

    server = await startServerProcess(serverDatabaseEnv(db));
    for (const [runId, before] of [
      [streamingRun, a],
      [inputRun, b],
    ] as const) {
      const run = await request(server.baseUrl).get(`/api/runs/${runId}`).expect(200);
      expect(run.body.data).toMatchObject({ status: 'error', error_message: 'Interrupted by server restart' });
      const replay = await RunViewer.open(server.baseUrl, runId);
      expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
      const replayed = numbered(replay.frames);
      const end = replayed.at(-1)!;
      expect(end).toMatchObject({ type: 'completion', status: 'error' });
      expect(end.data.task_result.stop_reason).toBe('Interrupted by server restart');
      // Every seq from 1 accounted for (a gap frame stands in for seqs sent or reserved but not
      // stored before the crash), and every non-chunk frame seen before the crash was saved (write-ahead).
      expect(covered(replayed)).toEqual(Array.from({ length: end.seq }, (_, i) => i + 1));
      const bySeq = new Map(replayed.filter((f) => f.type !== 'gap').map((f) => [f.seq, f]));
      const seenDurable = numbered(before.frames).filter((f) => f.type !== 'message_chunk');
      for (const frame of seenDurable) expect(bySeq.get(frame.seq)).toEqual(frame);
    }
    expect(server.output()).toContain('Marked 2 interrupted run(s) as error');
  });

  it('a graceful shutdown ends live runs stopped with "Server shutdown" and tells their viewers', async () => {
    server ??= await startServerProcess(serverDatabaseEnv(db));
    const team = teamFixture('human-in-the-loop');
    const runId = (await createRunAt(server.baseUrl, team)).runId;
    const viewer = await RunViewer.open(server.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Poem', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    await server.stop();
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
    expect(end.data.task_result.stop_reason).toBe('Server shutdown');

    server = await startServerProcess(serverDatabaseEnv(db));
    const run = await request(server.baseUrl).get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'stopped', stop_reason: 'Server shutdown' });
  });
});
