/**
 * Every way of running a team shares one live-run budget (MAX_LIVE_RUNS_PER_USER): while a
 * user's run waits on the run socket, /ws/chat, /chat/completions and /api/validate/test refuse
 * that user's next run clearly, and take it again once the slot is free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { openRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { chat } from './ndjson.js';
import { TextSocket } from './text-socket.js';

describe('live-run limits across every front end that runs a team', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_LIVE_RUNS_PER_USER: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a waiting run holds the slot; the chat clients and test runs are refused, then served once it ends', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId, viewer } = await openRun(t, team);
    viewer.send({ type: 'start', task: 'Poem', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');

    const socket = await TextSocket.open(t.baseUrl);
    socket.send('What is the weather in Paris?');
    expect(await socket.untilEnd()).toEqual([
      'Error: You already have 1 live runs, the limit per user (MAX_LIVE_RUNS_PER_USER); stop one or wait for it to end',
    ]);
    const refused = await chat(t.baseUrl, { message: 'Hello', conversation_id: 'limits' });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ status: false, message: expect.stringContaining('MAX_LIVE_RUNS_PER_USER') });
    const testRun = await t.http
      .post('/api/validate/test')
      .send({ component: teamFixture('weather-tool'), timeout: 10 })
      .expect(429);
    expect(testRun.body).toMatchObject({ status: false, message: expect.stringContaining('MAX_LIVE_RUNS_PER_USER') });

    await t.http.post(`/api/runs/${runId}/stop`).send({}).expect(200);
    const from = socket.frames.length;
    socket.send('What is the weather in Paris?');
    expect((await socket.untilEnd(from)).at(-1)).toBe("Done: Text 'TERMINATE' mentioned");
    const served = await chat(t.baseUrl, { message: 'Hello', conversation_id: 'limits' });
    expect(served.status).toBe(200);
    const tested = await t.http
      .post('/api/validate/test')
      .send({ component: teamFixture('weather-tool'), timeout: 10 })
      .expect(200);
    expect(tested.body).toMatchObject({ status: true });
    await Promise.all([socket.close(), viewer.close()]);
  });
});
