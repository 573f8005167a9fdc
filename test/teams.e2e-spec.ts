import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_UTC, teamFixture } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

describe('teams REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('seeds the default team for a user with none, once, even on two concurrent calls', async () => {
    const user = 'seed-race@example.com';
    const [a, b] = await Promise.all([
      t.http.get('/api/teams/').query({ user_id: user }).expect(200),
      t.http.get('/api/teams').query({ user_id: user }).expect(200),
    ]);
    expect(a.body.data).toHaveLength(1);
    expect(b.body.data).toHaveLength(1);
    expect(a.body.data[0].id).toBe(b.body.data[0].id);
    const again = await t.http.get('/api/teams/').query({ user_id: user }).expect(200);
    expect(again.body.data).toHaveLength(1);
    expect(again.body.data[0].component).toMatchObject({
      provider: 'autogen_agentchat.teams.RoundRobinGroupChat',
      component_type: 'team',
      label: 'Weather chat',
    });
  });

  it('answers rows with integer ids, ISO-8601 UTC timestamps, user and version', async () => {
    const res = await t.http.get('/api/teams/').query({ user_id: 'shape@example.com' }).expect(200);
    expect(res.body.status).toBe(true);
    const team = res.body.data[0];
    expect(Number.isInteger(team.id)).toBe(true);
    expect(team.created_at).toMatch(ISO_UTC);
    expect(team.updated_at).toMatch(ISO_UTC);
    expect(Math.abs(Date.parse(team.created_at) - Date.now())).toBeLessThan(60_000);
    expect(team).toMatchObject({ user_id: 'shape@example.com', version: expect.any(String) });
  });

  it('defaults to the guest user without user_id', async () => {
    const res = await t.http.get('/api/teams/').expect(200);
    expect(res.body.data[0].user_id).toBe('guestuser@gmail.com');
  });

  it('creates, reads, updates (upsert by id) and deletes a team', async () => {
    const created = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, component: teamFixture('selector') })
      .expect(200);
    expect(created.body).toMatchObject({ status: true, data: { user_id: ALICE, component: { label: 'Selector team' } } });
    const id: number = created.body.data.id;
    expect(Number.isInteger(id)).toBe(true);

    const got = await t.http.get(`/api/teams/${id}`).query({ user_id: ALICE }).expect(200);
    expect(got.body.data.component).toEqual(teamFixture('selector'));

    const renamed = { ...teamFixture('selector'), label: 'Renamed' };
    const updated = await t.http.post('/api/teams').send({ user_id: ALICE, id, component: renamed }).expect(200);
    expect(updated.body.data).toMatchObject({ id, component: { label: 'Renamed' } });

    const list = await t.http.get('/api/teams/').query({ user_id: ALICE }).expect(200);
    expect(list.body.data.map((x: { id: number }) => x.id)).toContain(id);

    const deleted = await t.http.delete(`/api/teams/${id}/`).query({ user_id: ALICE }).expect(200);
    expect(deleted.body.status).toBe(true);
    await t.http.get(`/api/teams/${id}`).query({ user_id: ALICE }).expect(404);
  });

  it('lists newest first', async () => {
    const user = 'order@example.com';
    const ids: number[] = [];
    for (const label of ['first', 'second', 'third']) {
      const res = await t.http.post('/api/teams/').send({ user_id: user, component: { ...teamFixture('round-robin-replay'), label } });
      ids.push(res.body.data.id);
    }
    const list = await t.http.get('/api/teams/').query({ user_id: user }).expect(200);
    expect(list.body.data.map((x: { id: number }) => x.id)).toEqual([...ids].reverse());
  });

  it("answers 404 for a missing team and for another user's team", async () => {
    const created = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, component: teamFixture('weather-tool') })
      .expect(200);
    const id: number = created.body.data.id;
    for (const res of [
      await t.http.get('/api/teams/999999').query({ user_id: ALICE }),
      await t.http.get(`/api/teams/${id}`).query({ user_id: BOB }),
      await t.http.delete(`/api/teams/${id}`).query({ user_id: BOB }),
      await t.http.post('/api/teams/').send({ user_id: BOB, id, component: teamFixture('selector') }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: false, message: expect.stringContaining(`not found`), detail: res.body.message });
    }
    // Bob's attempts changed nothing.
    const still = await t.http.get(`/api/teams/${id}`).query({ user_id: ALICE }).expect(200);
    expect(still.body.data.component.label).toBe('Weather chat');
  });

  it('answers 400 naming the bad field', async () => {
    const noProvider = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, component: { config: {} } })
      .expect(400);
    expect(noProvider.body).toEqual({ status: false, message: expect.stringMatching(/^component\.provider: /), detail: noProvider.body.message });

    const badId = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, id: 'seven', component: teamFixture('selector') })
      .expect(400);
    expect(badId.body.message).toMatch(/^id: .*expected number, received string/i);

    const badPath = await t.http.get('/api/teams/abc').query({ user_id: ALICE }).expect(400);
    expect(badPath.body.message).toMatch(/^id: /);

    const badUser = await t.http
      .post('/api/teams/')
      .send({ user_id: 42, component: teamFixture('selector') })
      .expect(400);
    expect(badUser.body.message).toMatch(/^user_id: /);
  });

  it('deleting a team deletes its sessions, their runs and messages', async () => {
    const team = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, component: teamFixture('round-robin-replay') })
      .expect(200);
    const session = await t.http.post('/api/sessions/').send({ user_id: ALICE, team_id: team.body.data.id, name: 'doomed' }).expect(200);
    const run = await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: session.body.data.id }).expect(200);
    await t.http.delete(`/api/teams/${team.body.data.id}`).query({ user_id: ALICE }).expect(200);
    await t.http.get(`/api/sessions/${session.body.data.id}`).query({ user_id: ALICE }).expect(404);
    await t.http.get(`/api/runs/${run.body.data.run_id}`).query({ user_id: ALICE }).expect(404);
  });
});
