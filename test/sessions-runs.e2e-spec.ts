import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessage } from '../src/engine/index.js';
import { RunJournal, type RunFinish } from '../src/runs/run-journal.js';
import { RunsService } from '../src/runs/runs.service.js';
import { ISO_UTC, teamFixture } from './support/fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

describe('sessions and runs REST', () => {
  let t: TestApp;
  let teamId: number;
  beforeAll(async () => {
    t = await startTestApp();
    const team = await t.http
      .post('/api/teams/')
      .send({ user_id: ALICE, component: teamFixture('round-robin-replay') })
      .expect(200);
    teamId = team.body.data.id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function newSession(name = 'chat'): Promise<number> {
    const res = await t.http.post('/api/sessions/').send({ user_id: ALICE, team_id: teamId, name }).expect(200);
    return res.body.data.id;
  }

  it('creates, lists (newest first), reads, updates and deletes a session', async () => {
    const created = await t.http.post('/api/sessions').send({ user_id: ALICE, team_id: teamId, name: 'first' }).expect(200);
    expect(created.body).toMatchObject({ status: true, data: { name: 'first', team_id: teamId, user_id: ALICE } });
    expect(created.body.data.created_at).toMatch(ISO_UTC);
    const id: number = created.body.data.id;
    expect(Number.isInteger(id)).toBe(true);
    const second = await newSession('second');

    const list = await t.http.get('/api/sessions/').query({ user_id: ALICE }).expect(200);
    const ids = list.body.data.map((s: { id: number }) => s.id);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(id));

    const got = await t.http.get(`/api/sessions/${id}/`).query({ user_id: ALICE }).expect(200);
    expect(got.body.data).toMatchObject({ id, name: 'first' });

    // PUT updates the row named in the path, whatever id the body carries.
    const put = await t.http.put(`/api/sessions/${id}`).query({ user_id: ALICE }).send({ id: second, name: 'renamed', team_id: teamId }).expect(200);
    expect(put.body.data).toMatchObject({ id, name: 'renamed' });
    const other = await t.http.get(`/api/sessions/${second}`).query({ user_id: ALICE }).expect(200);
    expect(other.body.data.name).toBe('second');

    await t.http.delete(`/api/sessions/${id}`).query({ user_id: ALICE }).expect(200);
    await t.http.get(`/api/sessions/${id}`).query({ user_id: ALICE }).expect(404);
  });

  it("answers 404 for a missing session and for another user's session or team", async () => {
    const id = await newSession();
    const responses = [
      await t.http.get('/api/sessions/424242').query({ user_id: ALICE }),
      await t.http.get(`/api/sessions/${id}`).query({ user_id: BOB }),
      await t.http.put(`/api/sessions/${id}`).query({ user_id: BOB }).send({ name: 'mine now' }),
      await t.http.delete(`/api/sessions/${id}`).query({ user_id: BOB }),
      await t.http.get(`/api/sessions/${id}/runs`).query({ user_id: BOB }),
      await t.http.post('/api/sessions/').send({ user_id: BOB, team_id: teamId, name: 'on alice team' }),
      await t.http.post('/api/runs/').send({ user_id: BOB, session_id: id }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: false, message: expect.any(String) });
      expect(res.body.detail).toBe(res.body.message);
    }
  });

  it('answers 400 naming the bad field', async () => {
    const res = await t.http.post('/api/sessions/').send({ user_id: ALICE, team_id: 'one', name: 'x' }).expect(400);
    expect(res.body).toEqual({
      status: false,
      message: expect.stringMatching(/^team_id: .*expected number, received string/i),
      detail: res.body.message,
    });
    const missingName = await t.http.post('/api/sessions/').send({ user_id: ALICE, team_id: teamId }).expect(400);
    expect(missingName.body.message).toMatch(/^name: /);
    const badRun = await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: -1 }).expect(400);
    expect(badRun.body.message).toMatch(/^session_id: /);
    const badPath = await t.http.get('/api/runs/1.5').query({ user_id: ALICE }).expect(400);
    expect(badPath.body.message).toMatch(/^id: /);
  });

  it('creates a run in status created and reads it back', async () => {
    const sessionId = await newSession();
    const created = await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: sessionId }).expect(200);
    expect(created.body).toMatchObject({ status: true, data: { run_id: expect.any(Number) } });
    const runId: number = created.body.data.run_id;
    expect(Number.isInteger(runId)).toBe(true);

    const run = await t.http.get(`/api/runs/${runId}`).query({ user_id: ALICE }).expect(200);
    expect(run.body.data).toMatchObject({
      id: runId,
      session_id: sessionId,
      status: 'created',
      task: null,
      team_result: null,
      error_message: null,
      user_id: ALICE,
    });
    await t.http.get(`/api/runs/${runId}`).query({ user_id: BOB }).expect(404);
    await t.http.get('/api/runs/987654').query({ user_id: ALICE }).expect(404);

    const messages = await t.http.get(`/api/runs/${runId}/messages`).query({ user_id: ALICE }).expect(200);
    expect(messages.body).toEqual({ status: true, data: [] });
    await t.http.get(`/api/runs/${runId}/messages`).query({ user_id: BOB }).expect(404);
  });

  it("lists a session's runs oldest first, each with its messages oldest first", async () => {
    const sessionId = await newSession();
    const journal = t.app.get(RunJournal);
    const first = (await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: sessionId })).body.data.run_id as number;
    const second = (await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: sessionId })).body.data.run_id as number;
    const ref = { id: first, sessionId, userId: ALICE };
    const task = createMessage('TextMessage', 'user', { content: 'hello' }, { id: 'm0' });
    expect(await journal.activate(first, [task])).toBe(true);
    await journal.write(ref, { frames: [], messages: [task, { ...task, id: 'm1', source: 'assistant_agent', content: 'hi there' }] });
    const usage = { prompt_tokens: 0, completion_tokens: 0 };
    const finish: RunFinish = {
      status: 'complete',
      stop_reason: 'done',
      error_message: null,
      team_result: { task_result: { messages: [], stop_reason: 'done' }, usage, duration: 0.1 },
    };
    await journal.write(ref, { frames: [], finish });

    const res = await t.http.get(`/api/sessions/${sessionId}/runs/`).query({ user_id: ALICE }).expect(200);
    expect(res.body.status).toBe(true);
    expect(res.body.data.runs.map((r: { id: number }) => r.id)).toEqual([first, second]);
    const [r1, r2] = res.body.data.runs;
    expect(r1).toMatchObject({
      status: 'complete',
      task: { source: 'user', content: [task], message_type: 'text' },
      team_result: { task_result: { stop_reason: 'done' } },
      stop_reason: 'done',
    });
    expect(r1.messages.map((m: { config: { id: string } }) => m.config.id)).toEqual(['m0', 'm1']);
    expect(r1.messages[0]).toMatchObject({ session_id: sessionId, run_id: first, user_id: ALICE, message_meta: {} });
    expect(Number.isInteger(r1.messages[0].id)).toBe(true);
    expect(r2).toMatchObject({ status: 'created', messages: [] });

    const msgs = await t.http.get(`/api/runs/${first}/messages/`).query({ user_id: ALICE }).expect(200);
    expect(msgs.body.data.map((m: { config: { content: string } }) => m.config.content)).toEqual(['hello', 'hi there']);
  });

  it('deleting a session deletes its runs, messages and run events', async () => {
    const sessionId = await newSession();
    const runs = t.app.get(RunsService);
    const journal = t.app.get(RunJournal);
    const runId = (await t.http.post('/api/runs/').send({ user_id: ALICE, session_id: sessionId })).body.data.run_id as number;
    const message = createMessage('TextMessage', 'user', { content: 'x' });
    await journal.write(
      { id: runId, sessionId, userId: ALICE },
      { frames: [{ type: 'message', data: message, run_id: runId, seq: 1 }], messages: [message] },
    );
    await t.http.delete(`/api/sessions/${sessionId}`).query({ user_id: ALICE }).expect(200);
    await t.http.get(`/api/runs/${runId}`).query({ user_id: ALICE }).expect(404);
    expect(await journal.framesAfter(runId, 0)).toEqual([]);
    expect(await runs.findById(runId)).toBeNull();
  });
});
