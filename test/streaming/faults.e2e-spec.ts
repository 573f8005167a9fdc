/**
 * A model server that drops the connection mid-stream ends the run `error` with the cause: the
 * viewers get `completion` error (not a protocol `error` frame), and their sockets stay open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { openRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('model faults', () => {
  let t: TestApp;
  let model: ChatCompletionsServer;
  beforeAll(async () => {
    t = await startTestApp();
    model = await startChatCompletionsServer([{ type: 'drop', text: 'The start of an answer that never' }]);
  });
  afterAll(async () => {
    await model?.close();
    await t?.close();
  });

  it('a connection dropped mid-stream ends the run error with the cause; the socket stays open', async () => {
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Tell me something', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error', run_id: runId });
    // The chunks that arrived before the drop were streamed as usual.
    expect(viewer.numbered().filter((f) => f.type === 'message_chunk').length).toBeGreaterThan(0);
    const [cause] = end.data.task_result.messages;
    expect(cause).toMatchObject({ type: 'TextMessage', source: 'system', content: expect.any(String) });
    expect(cause.content).toMatch(/^Model stream failed: .*closed/);
    expect(viewer.frames.some((f) => f.type === 'error')).toBe(false);

    viewer.send({ type: 'ping' });
    await viewer.waitFor((f) => f.type === 'pong');
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'error', error_message: cause.content });
    await expect(model.requests[0]!.outcome).resolves.toBe('dropped');
    await viewer.close();
  });
});
