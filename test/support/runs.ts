/** REST shortcuts for e2e tests: a team, a session on it and a run in that session. */
import request from 'supertest';
import { RunViewer } from './run-viewer.js';
import type { TestApp } from './test-app.js';

export const GUEST = 'guestuser@gmail.com';

export interface CreatedRun {
  teamId: number;
  sessionId: number;
  runId: number;
}

export function createRun(t: TestApp, component: object, userId = GUEST): Promise<CreatedRun> {
  return createRunAt(t.baseUrl, component, userId);
}

/** The same against any server by its base URL (a server process, which has no TestApp). */
export async function createRunAt(baseUrl: string, component: object, userId = GUEST): Promise<CreatedRun> {
  const http = request(baseUrl);
  const team = await http.post('/api/teams/').send({ user_id: userId, component }).expect(200);
  const session = await http.post('/api/sessions/').send({ user_id: userId, team_id: team.body.data.id, name: 'e2e' }).expect(200);
  const run = await http.post('/api/runs/').send({ user_id: userId, session_id: session.body.data.id }).expect(200);
  return { teamId: team.body.data.id, sessionId: session.body.data.id, runId: run.body.data.run_id };
}

/** Another run in an existing session. */
export async function createRunIn(t: TestApp, sessionId: number, userId = GUEST): Promise<number> {
  const run = await t.http.post('/api/runs/').send({ user_id: userId, session_id: sessionId }).expect(200);
  return run.body.data.run_id;
}

/** A new run of `component` with a viewer already connected to it. */
export async function openRun(t: TestApp, component: object): Promise<{ runId: number; viewer: RunViewer }> {
  const { runId } = await createRun(t, component);
  const viewer = await RunViewer.open(t.baseUrl, runId);
  await viewer.waitFor((f) => f.type === 'system');
  return { runId, viewer };
}

/** Every REST route that takes a JSON body, as [method, path], for a run and its session. */
export function bodyRoutes(runId: number, sessionId: number): ['post' | 'put', string][] {
  return [
    ['post', '/api/teams/'],
    ['post', '/api/sessions/'],
    ['put', `/api/sessions/${sessionId}`],
    ['post', '/api/runs/'],
    ['post', `/api/runs/${runId}/stop`],
    ['post', `/api/runs/${runId}/input`],
    ['put', '/api/settings/'],
    ['post', '/api/gallery/'],
    ['post', '/api/validate/'],
    ['post', '/chat/completions'],
  ];
}
