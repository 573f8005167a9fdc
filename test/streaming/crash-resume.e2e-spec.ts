/**
 * kill -9 mid-stream, restart, resume with `?after=<last seq the viewer saw>`: chunks are sent
 * before their batch is written, so the crash loses chunks the viewer already has. Recovery must
 * not number its terminal frame with one of their seqs (protocol §2.2: never reused, also across
 * a crash), and the resumed viewer gets a `gap` frame over the lost seqs, the terminal frame and
 * a normal close. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRunAt } from '../support/runs.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { openAiTeam } from '../support/teams.js';
import { createTestDatabase, serverDatabaseEnv, type TestDatabase } from '../support/test-database.js';

describe('resuming a run across a crash', () => {
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

  it('after=<last seq seen>: a gap over the lost chunks, the terminal frame on a seq never used, then close 1000', async () => {
    // Chunks are written only with the next message, so every chunk the viewer gets is lost in the crash.
    const env = { ...serverDatabaseEnv(db), RUN_CHUNK_FLUSH_MS: '60000', RUN_CHUNK_FLUSH_MAX: '10000' };
    server = await startServerProcess(env);
    const team = openAiTeam(model.baseUrl);
    const runId = (await createRunAt(server.baseUrl, team)).runId;
    const before = await RunViewer.open(server.baseUrl, runId);
    before.send({ type: 'start', task: 'Talk', team_config: team });
    await before.nth('message_chunk', 20);
    await server.kill9();
    await before.waitClosed();
    const seen = before.numbered();
    const lastSeen = seen.at(-1)!.seq;
    expect(seen.at(-1)!.type).toBe('message_chunk');

    server = await startServerProcess(env);
    const resumed = await RunViewer.open(server.baseUrl, runId, { after: lastSeen });
    expect(await resumed.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    const [gap, end, ...rest] = resumed.numbered();
    expect(rest).toEqual([]);
    expect(end).toMatchObject({ type: 'completion', status: 'error', run_id: runId });
    expect(end!.data.task_result.stop_reason).toBe('Interrupted by server restart');
    expect(end!.seq).toBeGreaterThan(lastSeen);
    expect(gap).toEqual({ type: 'gap', run_id: runId, from: lastSeen + 1, to: end!.seq - 1, seq: end!.seq - 1 });

    // A full replay: no seq the viewer saw before the crash now stands for other content.
    const replay = await RunViewer.open(server.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    const replayed = new Map(
      replay
        .numbered()
        .filter((f) => f.type !== 'gap')
        .map((f) => [f.seq, f]),
    );
    for (const frame of seen) if (replayed.has(frame.seq)) expect(replayed.get(frame.seq)).toEqual(frame);
    const gaps = replay.numbered().filter((f) => f.type === 'gap');
    const lost = (f: Frame) => gaps.some((g) => g.from <= f.seq && f.seq <= g.to);
    expect(seen.filter((f) => !replayed.has(f.seq)).every(lost)).toBe(true);

    // The JSON replay says the same.
    const events = await request(server.baseUrl).get(`/api/runs/${runId}/events`).query({ after: lastSeen }).expect(200);
    expect(events.body.data).toEqual([gap, end]);
  });
});
