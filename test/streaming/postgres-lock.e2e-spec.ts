/**
 * Reliability issue §1 on PostgreSQL, whatever TEST_DATABASE_URL says: a table another session
 * holds locked (a manual `LOCK TABLE`, a long transaction) must not freeze a run. Its write gives
 * up after `lock_timeout` (a transient failure), is retried for DB_RETRY_S like an outage, and the
 * run then ends `error` for its viewers instead of hanging. (SQLite's counterpart, another process
 * holding the write lock, is in database-outage.e2e-spec.ts.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { createPostgresDatabase, findPostgres } from '../support/postgres.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestDatabase } from '../support/test-database.js';

const pgUrl = await findPostgres();

describe.skipIf(!pgUrl)('a PostgreSQL table locked by another session', () => {
  let database: (TestDatabase & { schema: string }) | undefined;
  let model: ChatCompletionsServer | undefined;
  let t: TestApp | undefined;
  beforeAll(async () => {
    database = await createPostgresDatabase(pgUrl!);
    model = await startChatCompletionsServer([{ type: 'text', text: Array.from({ length: 150 }, (_, i) => `w${i}`).join(' '), delayMs: 15 }]);
    t = await startTestApp({ database, env: { DB_RETRY_S: '1', RUN_CHUNK_FLUSH_MS: '20' } });
  });
  afterAll(async () => {
    await t?.close();
    await model?.close();
    await database?.drop();
  });

  it('gives up after lock_timeout, is retried for DB_RETRY_S, and the run ends for its viewers', async () => {
    const team = openAiTeam(model!.baseUrl, { maxRetries: 0 });
    const { runId } = await createRun(t!, team);
    const viewer = await RunViewer.open(t!.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Talk', team_config: team });
    await viewer.nth('message_chunk', 5);
    const holder = new pg.Client({ connectionString: pgUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${database!.schema}"."run_events" IN ACCESS EXCLUSIVE MODE`);
      const end = await viewer.terminal(20_000);
      expect(end).toMatchObject({ type: 'completion', status: 'error', run_id: runId });
      expect(end.data.task_result.stop_reason).toMatch(/^Database unavailable: .*lock timeout/);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    await viewer.close();
  });
});
