/**
 * Human input is a server-side, correlated request (protocol §2.3): answered by frame or REST,
 * with or without request_id, never twice, and bounded by a server timeout that stops the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('human input', () => {
  let t: TestApp;
  const team = teamFixture('human-in-the-loop');
  beforeAll(async () => {
    t = await startTestApp({ env: { RUN_INPUT_TIMEOUT_S: '30' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function waitingRun(start: object = {}) {
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Write a poem', team_config: team, ...start });
    const request = await viewer.waitFor((f) => f.type === 'input_request');
    return { runId, viewer, request };
  }

  it('carries request_id, source and a timeout_at from the server timeout', async () => {
    const before = Date.now();
    const { viewer, request } = await waitingRun();
    const after = Date.now();
    expect(request.source).toBe('user_proxy');
    // 30 s from when the server asked, which lies between `before` and `after` however slow the machine.
    const timeoutAt = Date.parse(request.timeout_at);
    expect(timeoutAt - before).toBeGreaterThanOrEqual(29_000);
    expect(timeoutAt - after).toBeLessThanOrEqual(30_000);
    viewer.send({ type: 'stop' });
    await viewer.terminal();
    await viewer.close();
  });

  it('an answer by REST with the request_id continues the run; a second answer is refused', async () => {
    const { runId, viewer, request } = await waitingRun();
    const res = await t.http.post(`/api/runs/${runId}/input`).send({ request_id: request.request_id, response: 'Shorter please' }).expect(200);
    expect(res.body).toEqual({ status: true, data: { run_id: runId }, message: 'Input delivered' });
    const answer = await viewer.waitFor((f) => f.type === 'message' && f.data.source === 'user_proxy');
    expect(answer.data.content).toBe('Shorter please');
    const twice = await t.http.post(`/api/runs/${runId}/input`).send({ request_id: request.request_id, response: 'again' }).expect(409);
    expect(twice.body.message).toBe(`Run ${runId} is not waiting for input request ${request.request_id}`);
    viewer.send({ type: 'input_response', request_id: request.request_id, response: 'again' });
    expect((await viewer.nth('error', 1)).error).toMatch(/not waiting for input request/);
    const second = await viewer.nth('input_request', 2);
    expect(second.request_id).not.toBe(request.request_id);
    viewer.send({ type: 'input_response', response: 'APPROVE' });
    expect((await viewer.terminal()).data.task_result.stop_reason).toBe("Text 'APPROVE' mentioned");
    const proxyMessages = viewer.numbered().filter((f) => f.type === 'message' && f.data.source === 'user_proxy');
    expect(proxyMessages.map((f) => f.data.content)).toEqual(['Shorter please', 'APPROVE']);
    await viewer.close();
  });

  it('a viewer that reconnects while input is pending sees the request and can answer it', async () => {
    const { runId, viewer, request } = await waitingRun();
    await viewer.close();
    const back = await RunViewer.open(t.baseUrl, runId, { after: request.seq - 1 });
    const seen = await back.waitFor((f) => f.type === 'input_request');
    expect(seen).toEqual(request);
    back.send({ type: 'input_response', response: 'Shorter' });
    await back.nth('input_request', 2);
    back.send({ type: 'input_response', response: 'APPROVE' });
    expect((await back.terminal()).type).toBe('result');
    await back.close();
  });

  it('the server times the request out and stops the run with the stated reason', async () => {
    const { runId, viewer } = await waitingRun({ input_timeout_s: 0.3 });
    const end = await viewer.terminal(5_000);
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
    expect(end.data.task_result.stop_reason).toBe('Input timeout after 0.3 seconds');
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(run.body.data).toMatchObject({ status: 'stopped', stop_reason: 'Input timeout after 0.3 seconds' });
    await viewer.close();
  });

  it('an answer to a run that asks nothing is refused over REST', async () => {
    const { runId } = await createRun(t, team);
    const res = await t.http.post(`/api/runs/${runId}/input`).send({ response: 'hello?' }).expect(409);
    expect(res.body.message).toBe(`Run ${runId} is not waiting for any input request`);
    const bad = await t.http.post(`/api/runs/${runId}/input`).send({ answer: 'x' }).expect(400);
    expect(bad.body.message).toMatch(/^response: /);
  });
});
