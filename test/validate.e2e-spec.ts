/** AGS's team builder calls /api/validate/ on every save and /api/validate/test to try a team. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('component validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers is_valid for every fixture, not enveloped', async () => {
    for (const name of ['round-robin-replay', 'weather-tool', 'swarm-handoffs', 'selector', 'human-in-the-loop', 'openai-assistant']) {
      const res = await t.http
        .post('/api/validate/')
        .send({ component: teamFixture(name) })
        .expect(200);
      expect(res.body).toEqual({ is_valid: true, errors: [], warnings: [] });
    }
  });

  it('names the JSON path of an unknown provider and of an unregistered Python tool', async () => {
    const team = structuredClone(teamFixture('weather-tool')) as any;
    team.config.participants[0].config.model_client.provider = 'acme.Nope';
    const res = await t.http.post('/api/validate').send({ component: team }).expect(200);
    expect(res.body.is_valid).toBe(false);
    expect(res.body.errors[0]).toMatchObject({ field: 'config.participants[0].config.model_client', error: expect.stringContaining('acme.Nope') });

    const tool = structuredClone(teamFixture('weather-tool')) as any;
    tool.config.participants[0].config.workbench[0].config.tools[0].config.name = 'run_shell';
    const bad = await t.http.post('/api/validate/').send({ component: tool }).expect(200);
    expect(bad.body.errors[0].field).toContain('tools[0]');
    expect(bad.body.errors[0].error).toContain('run_shell');
  });

  it('400 names the missing component', async () => {
    const res = await t.http.post('/api/validate/').send({}).expect(400);
    expect(res.body).toMatchObject({ status: false, message: expect.stringMatching(/^component: /) });
  });

  it('test-runs a team once and reports its result and logs', async () => {
    const res = await t.http
      .post('/api/validate/test')
      .send({ component: teamFixture('weather-tool'), timeout: 10 })
      .expect(200);
    expect(res.body).toMatchObject({ status: true, message: "Team ran: Text 'TERMINATE' mentioned" });
    expect(res.body.logs.some((line: string) => line.includes('weather_forecast'))).toBe(true);
  });

  it('a test run stops at the first human input request', async () => {
    const res = await t.http
      .post('/api/validate/test')
      .send({ component: teamFixture('human-in-the-loop'), timeout: 10 })
      .expect(200);
    expect(res.body).toMatchObject({ status: true, message: 'The test run reached a human input request' });
  });

  it('a test run of an invalid team fails with the reason', async () => {
    const res = await t.http
      .post('/api/validate/test')
      .send({ component: { provider: 'x.Y', config: {} } })
      .expect(200);
    expect(res.body).toMatchObject({ status: false, message: expect.stringContaining('x.Y'), logs: [] });
  });
});
