import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The value of an unlabelled metric in a Prometheus text exposition, or undefined. */
function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('GET /metrics with METRICS=on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS: 'on' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the standard process metrics and teamstream_live_runs in the text format', async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE teamstream_live_runs gauge');
    expect(metricValue(res.text, 'teamstream_live_runs')).toBe(0);
    expect(res.text).toMatch(/^teamstream_process_cpu_user_seconds_total \d/m);
    expect(res.text).toMatch(/^teamstream_nodejs_eventloop_lag_seconds \d/m);
  });

  it('teamstream_live_runs counts a run while it is live and drops when it ends', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Poem', team_config: team });
      await viewer.waitFor((f) => f.type === 'input_request');
      expect(metricValue((await t.http.get('/metrics').expect(200)).text, 'teamstream_live_runs')).toBe(1);
      viewer.send({ type: 'stop', reason: 'done looking' });
      await viewer.terminal();
      await expect.poll(async () => metricValue((await t.http.get('/metrics')).text, 'teamstream_live_runs'), { timeout: 10_000 }).toBe(0);
    } finally {
      await viewer.close();
    }
  });
});

describe('metrics settings', () => {
  it('METRICS off (the default): no /metrics route', async () => {
    const t = await startTestApp();
    try {
      await t.http.get('/metrics').expect(404);
    } finally {
      await t.close();
    }
  });

  it('METRICS_PORT: /metrics on its own port and not on the API port', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const t = await startTestApp({ env: { METRICS: 'on', METRICS_PORT: String(port) } });
    try {
      await t.http.get('/metrics').expect(404);
      const res = await request(`http://127.0.0.1:${port}`).get('/metrics').expect(200);
      expect(res.text).toContain('teamstream_live_runs 0');
    } finally {
      await t.close();
    }
  });
});
