/**
 * Protocol §2.1: when the last viewer of a run leaves and its `start` set no `on_disconnect`,
 * the run goes on for RUN_DETACH_GRACE_S and then stops with `All viewers left`, unless a viewer
 * came back. (AutoGen Studio's front-end never re-attaches, and AGS stops the run when its
 * socket closes; our playground re-attaches on reload.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { GUEST, openRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the grace period after the last viewer leaves', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RUN_DETACH_GRACE_S: '0.5' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A run waiting for human input, started without on_disconnect; its viewer still open. */
  async function waitingRun(): Promise<{ runId: number; viewer: RunViewer; lastSeq: number }> {
    const team = teamFixture('human-in-the-loop');
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Write a poem.', team_config: team });
    const request = await viewer.waitFor((f) => f.type === 'input_request');
    return { runId, viewer, lastSeq: request.seq as number };
  }

  async function leave(viewer: RunViewer): Promise<void> {
    viewer.socket.close();
    await viewer.closed;
  }

  /** Polls the run row until `done` holds (bounded). */
  async function runWhen(runId: number, done: (run: Record<string, any>) => boolean, timeoutMs = 10_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = (await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(200)).body.data;
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('a run nobody comes back to stops after the grace with "All viewers left", and its viewers would see that', async () => {
    const { runId, viewer } = await waitingRun();
    await leave(viewer);
    const run = await runWhen(runId, (r) => r.status !== 'active');
    expect(run).toMatchObject({ status: 'stopped', stop_reason: 'All viewers left' });
    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.terminal()).toMatchObject({
      type: 'completion',
      status: 'cancelled',
      data: { task_result: { stop_reason: 'All viewers left' } },
    });
    expect((await replay.closed).code).toBe(1000);
  });

  it('a viewer that comes back within the grace keeps the run going, past the time the grace would have ended it', async () => {
    const main = await waitingRun();
    await leave(main.viewer);
    const back = await RunViewer.open(t.baseUrl, main.runId, { after: main.lastSeq });
    // A probe run left after the main run's viewer: once the probe has been stopped by its
    // grace timer, the main run's timer (set earlier, same length) would have fired too.
    const probe = await waitingRun();
    await leave(probe.viewer);
    expect(await runWhen(probe.runId, (r) => r.status !== 'active')).toMatchObject({ stop_reason: 'All viewers left' });
    expect((await t.http.get(`/api/runs/${main.runId}`).query({ user_id: GUEST }).expect(200)).body.data.status).toBe('active');
    back.send({ type: 'input_response', response: 'APPROVE' });
    expect((await back.terminal()).type).toBe('result');
    back.socket.close();
  });

  it("on_disconnect: 'detach' opts out: the run goes on with nobody watching", async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Write a poem.', team_config: team, on_disconnect: 'detach' });
    const request = await viewer.waitFor((f) => f.type === 'input_request');
    await leave(viewer);
    const probe = await waitingRun();
    await leave(probe.viewer);
    await runWhen(probe.runId, (r) => r.status !== 'active');
    expect((await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(200)).body.data.status).toBe('active');
    await t.http.post(`/api/runs/${runId}/input`).send({ request_id: request.request_id, response: 'APPROVE' }).expect(200);
    expect(await runWhen(runId, (r) => r.status !== 'active')).toMatchObject({ status: 'complete' });
  });
});
