/**
 * The catalogue teams streamed over a real socket, as AGS runs them: a team as a participant
 * (its members' messages arrive as frames of the parent's run) and MagenticOne (the
 * orchestrator, which is not a participant, speaks in the stream), each ending with AgentChat's
 * stop reason in the result frame, the run row and the saved messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('catalogue teams over the run socket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function runToEnd(fixture: string, task: string) {
    const created = await createRun(t, teamFixture(fixture));
    const viewer = await RunViewer.open(t.baseUrl, created.runId, { token: 'null' });
    await viewer.waitFor((f) => f.type === 'system' && f.status === 'connected');
    viewer.send({ type: 'start', task, team_config: teamFixture(fixture) });
    const terminal = await viewer.terminal();
    await viewer.close();
    const sources = viewer.frames.filter((f) => f.type === 'message').map((f) => (f.data as { source: string }).source);
    return { ...created, terminal, sources };
  }

  it.each([
    ['catalog-nested-team', ['user', 'writer', 'critic1', 'critic2', 'writer'], "Text 'TERMINATE' mentioned"],
    [
      'catalog-magentic-one',
      ['user', 'MagenticOneOrchestrator', 'MagenticOneOrchestrator', 'researcher', 'MagenticOneOrchestrator', 'writer', 'MagenticOneOrchestrator'],
      'The height was found and written.',
    ],
  ])('%s: every message as a frame, then the result with the stop reason, saved with the run', async (fixture, sources, stop) => {
    const { terminal, runId, sources: streamed } = await runToEnd(fixture, 'Go.');
    expect(streamed).toEqual(sources);
    expect(terminal).toMatchObject({ type: 'result', status: 'complete' });
    expect(terminal.data.task_result.stop_reason).toBe(stop);
    expect(terminal.data.task_result.messages.map((m: Frame) => m.source)).toEqual(sources);
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'complete', stop_reason: stop });
    const messages = await t.http.get(`/api/runs/${runId}/messages`).expect(200);
    expect(messages.body.data.map((m: Frame) => m.config.source)).toEqual(sources);
  });
});
