/**
 * A run always ends, and always tells its viewers, whatever the database does mid-run
 * (reliability issue §1). On SQLite another process holds the write lock; on PostgreSQL
 * (TEST_DATABASE_URL) the app's connections go through a proxy that is cut (support/database-outage.ts).
 * - An outage shorter than DB_RETRY_S: writes are retried and the run completes, nothing lost.
 * - A longer one: the run ends `error` at once for its viewers (terminal frame, close 1000), a
 *   stop is not refused, and the row is corrected as soon as the database is back.
 * - The same outage across a restart: start-up recovery ends the row, without reusing a seq.
 * - Tables dropped mid-run: the run ends for its viewers and the server keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseService } from '../../src/database/database.service.js';
import { WebSocketManager } from '../../src/runs/websocket-manager.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { createOutageDatabase, type OutageDatabase } from '../support/database-outage.js';
import { compactedReplay, RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('database trouble mid-run', () => {
  let outage: OutageDatabase | undefined;
  let model: ChatCompletionsServer | undefined;
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await model?.close();
    await outage?.close();
  });

  /** An app on the outage database, a run of a slowly streaming model, and a viewer watching it stream. */
  async function streamingRun(env: Record<string, string>, viewerCount = 1) {
    outage = await createOutageDatabase();
    model = await startChatCompletionsServer([{ type: 'text', text: `${words(150)} TERMINATE`, delayMs: 15 }]);
    const t = await startTestApp({ database: outage.database, env: { RUN_CHUNK_FLUSH_MS: '20', ...env } });
    apps.push(t);
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId } = await createRun(t, team);
    const viewers = await Promise.all(Array.from({ length: viewerCount }, () => RunViewer.open(t.baseUrl, runId)));
    viewers[0]!.send({ type: 'start', task: 'Talk', team_config: team });
    for (const viewer of viewers) await viewer.nth('message_chunk', 5);
    return { t, runId, viewers };
  }

  it('an outage shorter than DB_RETRY_S: writes are retried, and the run completes with nothing lost', async () => {
    const { t, runId, viewers } = await streamingRun({ DB_RETRY_S: '30' });
    const [viewer] = viewers;
    const retried = new Promise<void>((resolve) => t.app.get(DatabaseService).onRetry(() => resolve()));
    await outage!.begin();
    await retried;
    await outage!.end();
    expect(await viewer!.terminal()).toMatchObject({ type: 'result', status: 'complete' });
    expect((await t.http.get(`/api/runs/${runId}`).expect(200)).body.data).toMatchObject({ status: 'complete' });
    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    // Nothing lost: every frame is there, but the finished reply's chunks as one gap (compacted).
    expect(replay.numbered()).toEqual(compactedReplay(viewer!.numbered()));
  });

  it('an outage longer than DB_RETRY_S ends the run error for every viewer at once; the row is corrected when the database is back', async () => {
    const { t, runId, viewers } = await streamingRun({ DB_RETRY_S: '1' }, 2);
    await outage!.begin();
    for (const viewer of viewers) {
      const end = await viewer.terminal();
      expect(end).toMatchObject({ type: 'completion', status: 'error', run_id: runId });
      expect(end.data.task_result.stop_reason).toMatch(/^Database unavailable: /);
      expect(end.data.task_result.messages).toEqual([
        expect.objectContaining({ type: 'TextMessage', source: 'system', content: end.data.task_result.stop_reason }),
      ]);
      expect(await viewer.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    }
    const [first, second] = viewers;
    expect(second!.numbered()).toEqual(first!.numbered());
    // While its end waits for the database, a stop is not refused as "not running".
    await expect(t.app.get(WebSocketManager).stop(runId, 'User requested stop')).resolves.toBeUndefined();

    await outage!.end();
    const end = first!.numbered().at(-1)!;
    await expect
      .poll(async () => (await t.http.get(`/api/runs/${runId}`)).body.data, { timeout: 15_000, interval: 100 })
      .toMatchObject({ status: 'error', stop_reason: end.data.task_result.stop_reason, error_message: end.data.task_result.stop_reason });
    // The log now holds exactly what the viewers got: the chunks they were sent, then that end.
    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    expect(replay.numbered()).toEqual(first!.numbered());
  });

  it('an outage across a restart: start-up ends the row error after the seq the viewers saw last', async () => {
    const { t, runId, viewers } = await streamingRun({ DB_RETRY_S: '1' });
    const [viewer] = viewers;
    await outage!.begin();
    const told = await viewer!.terminal();
    expect(told.data.task_result.stop_reason).toMatch(/^Database unavailable: /);
    await t.close();
    apps.splice(apps.indexOf(t), 1);
    await outage!.end();

    const again = await startTestApp({ database: outage!.database, env: { DB_RETRY_S: '1' } });
    apps.push(again);
    expect((await again.http.get(`/api/runs/${runId}`).expect(200)).body.data).toMatchObject({
      status: 'error',
      error_message: 'Interrupted by server restart',
    });
    const resumed = await RunViewer.open(again.baseUrl, runId, { after: told.seq });
    expect(await resumed.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    const end = resumed.numbered().at(-1)!;
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(end.seq).toBeGreaterThan(told.seq);
  });

  it('tables dropped mid-run: the run ends error for its viewers, and the server keeps serving', async () => {
    const { t, runId, viewers } = await streamingRun({ DB_RETRY_S: '1' });
    const [viewer] = viewers;
    await outage!.dropTables();
    const end = await viewer!.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error', run_id: runId });
    expect(end.data.task_result.stop_reason).toMatch(/^Database unavailable: /);
    expect(await viewer!.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    await t.http.get('/api/health').expect(200);
  });
});
