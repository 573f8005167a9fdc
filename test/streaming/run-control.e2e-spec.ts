/**
 * Controlling a run over the socket and REST: stop really stops (the model's HTTP request is
 * closed), protocol errors get `error` frames and keep the socket open, run failures end the run
 * with `completion` error instead.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun, GUEST, openRun } from '../support/runs.js';
import { openAiTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('run control', () => {
  let t: TestApp;
  let model: ChatCompletionsServer | undefined;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });
  afterAll(async () => {
    await t?.close();
  });

  const open = (component: object) => openRun(t, component);

  const slowText = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');

  it('stop frame: aborts the model request, ends with completion cancelled and the reason', async () => {
    model = await startChatCompletionsServer([{ type: 'text', text: slowText, delayMs: 50 }]);
    const team = openAiTeam(model.baseUrl);
    const { runId, viewer } = await open(team);
    viewer.send({ type: 'start', task: 'Talk slowly', team_config: team });
    await viewer.nth('message_chunk', 2);
    viewer.send({ type: 'stop', reason: 'Enough, thanks' });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled', timestamp: expect.any(String), run_id: runId });
    expect(end.data.task_result.stop_reason).toBe('Enough, thanks');
    await expect(model.requests[0]!.outcome).resolves.toBe('closed-early');
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'stopped', stop_reason: 'Enough, thanks' });
    // The chunks streamed before the stop are not followed by anything but the terminal frame.
    expect(viewer.numbered().at(-1)).toBe(end);
    await viewer.close();
  });

  it('POST /api/runs/:id/stop stops a run for every viewer; a finished run cannot be stopped again', async () => {
    model = await startChatCompletionsServer([{ type: 'text', text: slowText, delayMs: 50 }]);
    const team = openAiTeam(model.baseUrl);
    const { runId, viewer } = await open(team);
    const second = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Talk slowly', team_config: team });
    await second.nth('message_chunk', 1);
    const res = await t.http.post(`/api/runs/${runId}/stop`).send({ reason: 'Stopped from REST' }).expect(200);
    expect(res.body).toEqual({ status: true, data: { run_id: runId, status: 'stopped' }, message: 'Run stopped' });
    for (const v of [viewer, second]) {
      const end = await v.terminal();
      expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
      expect(end.data.task_result.stop_reason).toBe('Stopped from REST');
    }
    const again = await t.http.post(`/api/runs/${runId}/stop`).send({}).expect(409);
    expect(again.body).toEqual({ status: false, message: `Run ${runId} is not running`, detail: `Run ${runId} is not running` });
    expect((await t.http.get(`/api/runs/${runId}`)).body.data.stop_reason).toBe('Stopped from REST');
    await Promise.all([viewer.close(), second.close()]);
  });

  it('stop without a reason uses AGS default reason', async () => {
    const team = teamFixture('human-in-the-loop');
    const { viewer } = await open(team);
    viewer.send({ type: 'start', task: 'Write', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    viewer.send({ type: 'stop' });
    const end = await viewer.terminal();
    expect(end.data.task_result.stop_reason).toBe('User requested stop/cancellation');
    await viewer.close();
  });

  it('a model error ends the run with completion error; the socket stays open', async () => {
    model = await startChatCompletionsServer([{ type: 'error', status: 400, message: 'model does not exist' }]);
    const team = openAiTeam(model.baseUrl, { maxRetries: 0 });
    const { runId, viewer } = await open(team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    const [errorMessage] = end.data.task_result.messages;
    expect(errorMessage).toMatchObject({ type: 'TextMessage', source: 'system', content: expect.stringContaining('model does not exist') });
    viewer.send({ type: 'ping' });
    await viewer.waitFor((f) => f.type === 'pong');
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data.status).toBe('error');
    expect(run.body.data.error_message).toContain('model does not exist');
    await viewer.close();
  });

  it('a config with an unknown provider ends with completion error naming it', async () => {
    const team = structuredClone(teamFixture('round-robin-replay')) as any;
    team.config.participants[0].config.model_client.provider = 'acme.models.MagicClient';
    const { viewer } = await open(team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(end.data.task_result.messages[0].content).toContain('acme.models.MagicClient');
    expect(end.data.task_result.messages[0].content).toContain('config.participants[0].config.model_client');
    await viewer.close();
  });

  it('a Python FunctionTool whose source has no function of its name is refused by name, never run', async () => {
    const team = structuredClone(teamFixture('weather-tool')) as any;
    const fn = team.config.participants[0].config.workbench[0].config.tools[0];
    fn.config.name = 'delete_everything';
    // Not registered; with the sandbox (PYTHON_TOOLS' default) it is refused at load: its source defines no function of
    // the tool's name, so it is never run and no sandbox process starts (with PYTHON_TOOLS=off: refused as unregistered).
    fn.config.source_code = 'import os\nos.system("rm -rf /")';
    const { viewer } = await open(team);
    viewer.send({ type: 'start', task: 'Hi', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(end.data.task_result.messages[0].content).toContain('delete_everything');
    await viewer.close();
  });

  it('protocol errors get an error frame and the socket stays open', async () => {
    const team = teamFixture('round-robin-replay');
    const { viewer } = await open(team);
    viewer.sendRaw('this is not json');
    expect(await viewer.nth('error', 1)).toEqual({ type: 'error', error: 'Invalid JSON frame', timestamp: expect.any(String) });
    viewer.send({ type: 'dance' });
    expect((await viewer.nth('error', 2)).error).toMatch(/Unknown frame type/);
    viewer.send({ type: 'input_response' });
    expect((await viewer.nth('error', 3)).error).toMatch(/response/);
    viewer.send({ type: 'input_response', response: 'nobody asked' });
    expect((await viewer.nth('error', 4)).error).toMatch(/not waiting for any input request/);
    viewer.send({ type: 'start', task: '   ' });
    expect((await viewer.nth('error', 5)).error).toMatch(/non-empty task/);
    viewer.send({ type: 'ping' });
    expect(await viewer.waitFor((f) => f.type === 'pong')).toEqual({ type: 'pong', timestamp: expect.any(String) });
    // After all that, the run still starts normally.
    viewer.send({ type: 'start', task: 'Go', team_config: team });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
  });

  it('a second start is refused and starts nothing', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId, viewer } = await open(team);
    viewer.send({ type: 'start', task: 'One', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    viewer.send({ type: 'start', task: 'Two', team_config: team });
    expect((await viewer.nth('error', 1)).error).toBe(`Run ${runId} has already been started`);
    const tasks = viewer.numbered().filter((f) => f.type === 'message' && f.data.source === 'user');
    expect(tasks.map((f) => f.data.content)).toEqual(['One']);
    viewer.send({ type: 'stop' });
    await viewer.terminal();
    await viewer.close();
  });

  it('a refusal reaches the viewer with its own text, whatever its kind (here: not found)', async () => {
    const team = teamFixture('round-robin-replay');
    const { sessionId, runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system');
    await t.http.delete(`/api/sessions/${sessionId}`).query({ user_id: GUEST }).expect(200);
    viewer.send({ type: 'start', task: 'Go', team_config: team });
    // One error taxonomy: a not-found is said as such, not as an internal error.
    expect((await viewer.nth('error', 1)).error).toBe(`Session ${sessionId} not found`);
    await viewer.close();
  });

  it('with auth off, a socket may open any user’s run (AGS sends no user on the socket)', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team, 'alice@example.com');
    const viewer = await RunViewer.open(t.baseUrl, runId, { token: 'null' });
    viewer.send({ type: 'start', task: 'Go', team_config: team });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
  });

  it('a missing run closes with 4004 after the upgrade; so does a malformed id', async () => {
    for (const id of ['999999', 'abc']) {
      const viewer = await RunViewer.open(t.baseUrl, id);
      expect(await viewer.waitClosed()).toEqual({ code: 4004, reason: 'Run not found' });
      expect(viewer.frames).toEqual([]);
    }
  });

  it('the session team is used when the start frame has no team_config', async () => {
    const { viewer } = await open(teamFixture('round-robin-replay'));
    viewer.send({ type: 'start', task: 'Use my session team' });
    const end = await viewer.terminal();
    expect(end.data.task_result.stop_reason).toBe("Text 'TERMINATE' mentioned");
    await viewer.close();
  });

  it('files become task messages: images as MultiModalMessage, text files as TextMessage', async () => {
    const team = teamFixture('round-robin-replay');
    const { viewer } = await open(team);
    const files = [
      { name: 'dot.png', type: 'image/png', content: 'iVBORw0KGgo=' },
      { name: 'notes.txt', type: 'text/plain', content: Buffer.from('hello notes').toString('base64') },
    ];
    viewer.send({ type: 'start', task: 'Look', files, team_config: team });
    await viewer.terminal();
    const echo = viewer
      .numbered()
      .slice(0, 3)
      .map((f) => f.data);
    expect(echo[0]).toMatchObject({ type: 'TextMessage', content: 'Look' });
    expect(echo[1]).toMatchObject({
      type: 'MultiModalMessage',
      content: [{ url: 'data:image/png;base64,iVBORw0KGgo=' }],
      metadata: { filename: 'dot.png' },
    });
    expect(echo[2]).toMatchObject({ type: 'TextMessage', content: 'hello notes', metadata: { filename: 'notes.txt' } });
    await viewer.close();
  });
});
