/** Tokens and token-carrying REST shortcuts for e2e tests of AUTH_TYPE=jwt. */
import { signHs256Jwt } from '../../src/auth/jwt.js';
import type { TestApp } from './test-app.js';

export const JWT_SECRET = 'e2e-test-secret-with-at-least-32-chars';
export const JWT_ENV = { AUTH_TYPE: 'jwt', JWT_SECRET };

/** A valid HS256 token for `sub`, an hour from expiry; `claims` override or add to the defaults. */
export function tokenFor(sub: string, claims: Record<string, unknown> = {}, secret = JWT_SECRET): string {
  return signHs256Jwt({ sub, email: `${sub}@example.com`, name: sub, roles: [], exp: Math.floor(Date.now() / 1000) + 3600, ...claims }, secret);
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export interface OwnedRun {
  teamId: number;
  sessionId: number;
  runId: number;
}

/** A team, a session on it and a run in that session, made with `token`. */
export async function createRunAs(t: TestApp, token: string, component: object): Promise<OwnedRun> {
  const auth = bearer(token);
  const team = await t.http.post('/api/teams/').set(auth).send({ component }).expect(200);
  const session = await t.http.post('/api/sessions/').set(auth).send({ team_id: team.body.data.id, name: 'mine' }).expect(200);
  const run = await t.http.post('/api/runs/').set(auth).send({ session_id: session.body.data.id }).expect(200);
  return { teamId: team.body.data.id, sessionId: session.body.data.id, runId: run.body.data.run_id };
}
