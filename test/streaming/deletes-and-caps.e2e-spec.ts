/**
 * A run always ends, and tells its viewers, even when what it belongs to goes away or its team
 * never terminates: deleting its session or team stops it first; RUN_MAX_TURNS caps a team with
 * no termination condition. And AGS's validation warns about such a team before it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun, GUEST } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Json = Record<string, any>;

/** The replay team with no termination condition: its one agent answers forever. */
function endlessTeam(): Json {
  const team = structuredClone(teamFixture('round-robin-replay')) as Json;
  delete team.config.termination_condition;
  team.config.participants[0].config.model_client.config.chat_completions = Array.from({ length: 50 }, (_, i) => `reply ${i}`);
  return team;
}

describe('runs that lose their session or team, and runs that never end', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RUN_MAX_TURNS: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function waitingRun(): Promise<{ teamId: number; sessionId: number; runId: number; viewer: RunViewer }> {
    const team = teamFixture('human-in-the-loop');
    const created = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, created.runId);
    viewer.send({ type: 'start', task: 'Write a poem.', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    return { ...created, viewer };
  }

  it('deleting the session of a live run stops it first: the viewer gets completion cancelled "Session deleted"', async () => {
    const { sessionId, runId, viewer } = await waitingRun();
    await t.http.delete(`/api/sessions/${sessionId}`).query({ user_id: GUEST }).expect(200);
    const end = await viewer.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled', data: { task_result: { stop_reason: 'Session deleted' } } });
    await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(404);
    await viewer.close();
  });

  it('deleting the team of a live run stops it first: "Team deleted"', async () => {
    const { teamId, viewer } = await waitingRun();
    await t.http.delete(`/api/teams/${teamId}`).query({ user_id: GUEST }).expect(200);
    expect(await viewer.terminal()).toMatchObject({
      type: 'completion',
      status: 'cancelled',
      data: { task_result: { stop_reason: 'Team deleted' } },
    });
    await viewer.close();
  });

  it('deleting someone else’s session is a 404 and stops nothing', async () => {
    const { sessionId, runId, viewer } = await waitingRun();
    await t.http.delete(`/api/sessions/${sessionId}`).query({ user_id: 'mallory@example.com' }).expect(404);
    viewer.send({ type: 'input_response', response: 'APPROVE' });
    expect((await viewer.terminal()).type).toBe('result');
    expect((await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(200)).body.data.status).toBe('complete');
    await viewer.close();
  });

  it('a team with no termination stops after RUN_MAX_TURNS agent turns, with the cap as its stop reason', async () => {
    const team = endlessTeam();
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Talk forever', team_config: team });
    const end = await viewer.terminal();
    expect(end).toMatchObject({
      type: 'completion',
      status: 'cancelled',
      data: { task_result: { stop_reason: 'Maximum of 3 agent turns reached (RUN_MAX_TURNS)' } },
    });
    const replies = viewer.numbered().filter((f) => f.type === 'message' && f.data.source === 'assistant_agent');
    expect(replies).toHaveLength(3);
    const run = (await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST }).expect(200)).body.data;
    expect(run).toMatchObject({ status: 'stopped' });
    await viewer.close();
  });

  it('POST /api/validate/ warns about a team with no termination condition and no max_turns (AGS warnings list)', async () => {
    const res = await t.http.post('/api/validate/').send({ component: endlessTeam() }).expect(200);
    expect(res.body.is_valid).toBe(true);
    expect(res.body.warnings).toEqual([
      {
        field: 'config.termination_condition',
        error: 'The team has no termination condition and no max_turns: it runs until the server stops it (RUN_MAX_TURNS, RUN_MAX_SECONDS)',
        suggestion: 'Add a termination condition (e.g. TextMentionTermination or MaxMessageTermination) or set max_turns',
      },
    ]);
    const bounded = endlessTeam();
    bounded.config.max_turns = 5;
    expect((await t.http.post('/api/validate/').send({ component: bounded }).expect(200)).body.warnings).toEqual([]);
  });
});
