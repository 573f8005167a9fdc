/**
 * Text the server stores is made storable first (reliability issue §1, "Encoding"): a model error
 * or a caller's stop reason carrying a lone surrogate (PostgreSQL refuses U+0000 in text; a
 * client's U+0000 is refused at the edge, test/edges/bad-input) still ends the run, with the same stripped text for the viewers, in the log and in the
 * row. On PostgreSQL (TEST_DATABASE_URL) the run would otherwise never end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { openRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('storable text', () => {
  let t: TestApp;
  let model: ChatCompletionsServer;
  beforeAll(async () => {
    t = await startTestApp();
    model = await startChatCompletionsServer([
      { type: 'error', status: 400, message: 'bad\u0000 input \uD800here', errorType: 'invalid_request_error' },
    ]);
  });
  afterAll(async () => {
    await model?.close();
    await t?.close();
  });

  /** The run ended as `end` says everywhere: the row, and a replay of the log. */
  async function expectStoredAs(runId: number, end: Record<string, any>, row: Record<string, unknown>): Promise<void> {
    expect((await t.http.get(`/api/runs/${runId}`).expect(200)).body.data).toMatchObject(row);
    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    expect(replay.numbered().at(-1)).toEqual(end);
  }

  it('a model error text with U+0000 and a lone surrogate ends the run error, stored without them', async () => {
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Hello', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    const text: string = end.data.task_result.stop_reason;
    expect(text).toContain('bad input here');
    expect(text.includes('\u0000')).toBe(false);
    expect(text).not.toMatch(/[\uD800-\uDFFF]/);
    expect(end.data.task_result.messages).toEqual([expect.objectContaining({ source: 'system', content: text })]);
    await expectStoredAs(runId, end, { status: 'error', error_message: text, stop_reason: text });
    await viewer.close();
  });

  it("a caller's stop reason with a lone surrogate ends the run stopped, stored without it", async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Poem', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    viewer.send({ type: 'stop', reason: 'enough for \uDC00now' });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
    expect(end.data.task_result.stop_reason).toBe('enough for now');
    await expectStoredAs(runId, end, { status: 'stopped', stop_reason: 'enough for now' });
    await viewer.close();
  });

  it('a stop reason with nothing storable in it (a lone surrogate, or blank) becomes the default reason, not an empty one', async () => {
    for (const reason of ['\uD800', '  ']) {
      const team = teamFixture('human-in-the-loop');
      const { runId, viewer } = await openRun(t, team);
      viewer.send({ type: 'start', task: 'Poem', team_config: team });
      await viewer.waitFor((f) => f.type === 'input_request');
      viewer.send({ type: 'stop', reason });
      const end = await viewer.terminal();
      expect(end.data.task_result.stop_reason).toBe('User requested stop/cancellation');
      await expectStoredAs(runId, end, { status: 'stopped', stop_reason: 'User requested stop/cancellation' });
      await viewer.close();
    }
  });
});
