/**
 * AUTH_TYPE=jwt (protocol §2.7): the user comes from an HS256 token, never from `user_id`; a bad
 * token is REST 401 and socket 4001; every route keeps user A away from user B's teams, sessions
 * and runs, while role `admin` reaches all of them.
 */
import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Jwt } from '../src/auth/jwt.js';
import { bearer, createRunAs, JWT_ENV, JWT_SECRET, type OwnedRun, tokenFor } from './support/auth.js';
import { teamFixture } from './support/fixtures.js';
import { RunViewer } from './support/run-viewer.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Tokens that must all be refused, by name. */
const BAD_TOKENS: [string, string | undefined][] = [
  ['no token', undefined],
  ['a bad signature', tokenFor('alice', {}, 'another-secret-that-is-long-enough-too')],
  ['an expired token', tokenFor('alice', { exp: nowS() - 3600 })],
  ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', roles: ['admin'], exp: nowS() + 3600 })}.`],
  ['a token not valid yet', tokenFor('alice', { nbf: nowS() + 3600 })],
  ['the literal null', 'null'],
  ['garbage', 'not.a.jwt'],
];

/** Opens an SSE stream and resolves with its status and the first chunk of body (then hangs up). */
function sseOpen(baseUrl: string, path: string, token: string, timeoutMs = 5_000): Promise<{ status: number; first: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${baseUrl}${path}`, { headers: bearer(token) }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (chunk: string) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, first: chunk });
        req.destroy();
      });
    });
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`no SSE data after ${timeoutMs} ms`))), timeoutMs);
    req.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}

describe('AUTH_TYPE=jwt', () => {
  let t: TestApp;
  const alice = tokenFor('alice');
  const bob = tokenFor('bob');
  const admin = tokenFor('root', { roles: ['admin'] });
  const humanTeam = teamFixture('human-in-the-loop');

  beforeAll(async () => {
    t = await startTestApp({ env: JWT_ENV });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves version, health and auth type open, and reports jwt with its open paths', async () => {
    await t.http.get('/api/version').expect(200);
    await t.http.get('/api/health').expect(200);
    const type = await t.http.get('/api/auth/type').expect(200);
    expect(type.body).toEqual({ type: 'jwt', exclude_paths: ['/api/health', '/api/version', '/api/auth/type', '/api/docs'] });
  });

  it('takes the token from Authorization: Bearer or ?token=, and /api/auth/me says who it names', async () => {
    const me = await t.http.get('/api/auth/me').set(bearer(admin)).expect(200);
    expect(me.body).toEqual({ status: true, data: { user_id: 'root', name: 'root', email: 'root@example.com', roles: ['admin'], is_admin: true } });
    const viaQuery = await t.http.get('/api/auth/me').query({ token: alice }).expect(200);
    expect(viaQuery.body.data).toMatchObject({ user_id: 'alice', is_admin: false });
    // Without sub, the email is the user id.
    const emailOnly = signHs256Jwt({ email: 'carol@example.com', exp: nowS() + 60 }, JWT_SECRET);
    expect((await t.http.get('/api/auth/me').set(bearer(emailOnly)).expect(200)).body.data.user_id).toBe('carol@example.com');
  });

  describe.each(BAD_TOKENS)('with %s', (_name, token) => {
    it('REST answers 401 with the envelope', async () => {
      for (const [method, path] of [
        ['get', '/api/teams/'],
        ['get', '/api/sessions/'],
        ['post', '/api/runs/'],
        ['get', '/api/auth/me'],
      ] as const) {
        const req = t.http[method](path);
        if (token !== undefined) req.set(bearer(token));
        const res = await (method === 'post' ? req.send({ session_id: 1 }) : req).expect(401);
        expect(res.body).toEqual({ status: false, message: expect.any(String), detail: res.body.message });
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('the socket is closed 4001, even for a run that does not exist', async () => {
      const { runId } = await createRunAs(t, alice, humanTeam);
      for (const id of [runId, 999_999]) {
        const viewer = await RunViewer.open(t.baseUrl, id, token === undefined ? {} : { token });
        const closed = await viewer.waitClosed();
        expect(closed.code).toBe(4001);
        expect(closed.reason).toMatch(/^Unauthorized/);
        expect(viewer.frames).toEqual([]);
      }
    });
  });

  it('names a missing run with 4004 once the token is good', async () => {
    const viewer = await RunViewer.open(t.baseUrl, 999_999, { token: alice });
    expect(await viewer.waitClosed()).toEqual({ code: 4004, reason: 'Run not found' });
  });

  it('ignores user_id in the query and the body: the token decides', async () => {
    const bobs = await t.http.post('/api/teams/').set(bearer(bob)).send({ component: humanTeam }).expect(200);
    const made = await t.http.post('/api/teams/').set(bearer(alice)).send({ user_id: 'bob', component: humanTeam }).expect(200);
    expect(made.body.data.user_id).toBe('alice');
    const listed = await t.http.get('/api/teams/').query({ user_id: 'bob' }).set(bearer(alice)).expect(200);
    expect(listed.body.data.every((row: { user_id: string }) => row.user_id === 'alice')).toBe(true);
    await t.http.get(`/api/teams/${bobs.body.data.id}`).query({ user_id: 'bob' }).set(bearer(alice)).expect(404);
    const session = await t.http
      .post('/api/sessions/')
      .set(bearer(alice))
      .send({ user_id: 'bob', team_id: made.body.data.id, name: 'n' })
      .expect(200);
    expect(session.body.data.user_id).toBe('alice');
  });

  describe('user A and user B', () => {
    let b: OwnedRun;
    let bViewer: RunViewer;
    let bGallery: number;

    beforeAll(async () => {
      b = await createRunAs(t, bob, humanTeam);
      bViewer = await RunViewer.open(t.baseUrl, b.runId, { token: bob });
      bViewer.send({ type: 'start', task: 'Write a poem', team_config: humanTeam });
      await bViewer.waitFor((f) => f.type === 'input_request', 15_000, 'the input request');
      bGallery = (await t.http.get('/api/gallery/').set(bearer(bob)).expect(200)).body.data[0].id;
    });
    afterAll(async () => {
      await bViewer?.close();
    });

    /** Every route that names one of B's rows, as [method, path, body]. */
    const routes = (): [string, string, object | undefined][] => [
      ['get', `/api/teams/${b.teamId}`, undefined],
      ['post', '/api/teams/', { id: b.teamId, component: humanTeam }],
      ['delete', `/api/teams/${b.teamId}`, undefined],
      ['get', `/api/sessions/${b.sessionId}`, undefined],
      ['put', `/api/sessions/${b.sessionId}`, { name: 'taken' }],
      ['delete', `/api/sessions/${b.sessionId}`, undefined],
      ['get', `/api/sessions/${b.sessionId}/runs`, undefined],
      ['post', '/api/sessions/', { team_id: b.teamId, name: 'on your team' }],
      ['post', '/api/runs/', { session_id: b.sessionId }],
      ['get', `/api/runs/${b.runId}`, undefined],
      ['get', `/api/runs/${b.runId}/messages`, undefined],
      ['get', `/api/runs/${b.runId}/events`, undefined],
      ['get', `/api/runs/${b.runId}/stream`, undefined],
      ['post', `/api/runs/${b.runId}/stop`, { reason: 'not yours' }],
      ['post', `/api/runs/${b.runId}/input`, { response: 'APPROVE' }],
      ['get', `/api/gallery/${bGallery}`, undefined],
      ['put', `/api/gallery/${bGallery}`, { config: { name: 'taken', components: {} } }],
      ['delete', `/api/gallery/${bGallery}`, undefined],
    ];

    it('A gets 404 on every route that names B’s rows, and B’s run goes on untouched', async () => {
      for (const [method, path, body] of routes()) {
        const req = t.http[method as 'get' | 'post' | 'put' | 'delete'](path).set(bearer(alice));
        const res = await (body ? req.send(body) : req);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
        expect(res.body.status).toBe(false);
      }
      const run = await t.http.get(`/api/runs/${b.runId}`).set(bearer(bob)).expect(200);
      expect(run.body.data.status).toBe('active');
      await t.http.get(`/api/sessions/${b.sessionId}`).set(bearer(bob)).expect(200);
      await t.http.get(`/api/teams/${b.teamId}`).set(bearer(bob)).expect(200);
      await t.http.get(`/api/gallery/${bGallery}`).set(bearer(bob)).expect(200);
      expect(bViewer.frames.filter((f) => f.type === 'completion' || f.type === 'result')).toEqual([]);
    });

    it('A’s lists hold none of B’s rows', async () => {
      for (const path of ['/api/teams/', '/api/sessions/', '/api/gallery/']) {
        const res = await t.http.get(path).set(bearer(alice)).expect(200);
        expect(res.body.data.length).toBeGreaterThan(0);
        expect(res.body.data.filter((row: { user_id: string }) => row.user_id !== 'alice')).toEqual([]);
      }
    });

    it('A cannot watch B’s run on the socket (4001), even with user_id=bob', async () => {
      const viewer = await RunViewer.open(t.baseUrl, b.runId, { token: alice, user_id: 'bob' });
      expect(await viewer.waitClosed()).toEqual({ code: 4001, reason: 'Unauthorized' });
      expect(viewer.frames).toEqual([]);
    });

    it('an admin lists, reads and streams B’s rows (socket, events, SSE)', async () => {
      for (const [path, id] of [
        ['/api/teams/', b.teamId],
        ['/api/sessions/', b.sessionId],
        ['/api/gallery/', bGallery],
      ] as const) {
        const list = await t.http.get(path).set(bearer(admin)).expect(200);
        expect(list.body.data.map((row: { id: number }) => row.id)).toContain(id);
        expect((await t.http.get(`${path}${id}`).set(bearer(admin)).expect(200)).body.data.user_id).toBe('bob');
      }
      const runs = await t.http.get(`/api/sessions/${b.sessionId}/runs`).set(bearer(admin)).expect(200);
      expect(runs.body.data.runs.map((r: { id: number }) => r.id)).toContain(b.runId);
      await t.http.get(`/api/runs/${b.runId}`).set(bearer(admin)).expect(200);
      await t.http.get(`/api/runs/${b.runId}/messages`).set(bearer(admin)).expect(200);
      const events = await t.http.get(`/api/runs/${b.runId}/events`).set(bearer(admin)).expect(200);
      expect(events.body.data.map((f: { type: string }) => f.type)).toContain('input_request');

      const sse = await sseOpen(t.baseUrl, `/api/runs/${b.runId}/stream`, admin);
      expect(sse.status).toBe(200);
      expect(sse.first).toContain(': connected');

      const viewer = await RunViewer.open(t.baseUrl, b.runId, { token: admin });
      await viewer.waitFor((f) => f.type === 'input_request', 10_000, 'the replayed input request');
      await viewer.close();
    });

    it('an admin answers and stops B’s run; B sees it; the rows stay B’s', async () => {
      await t.http.put(`/api/sessions/${b.sessionId}`).set(bearer(admin)).send({ name: 'renamed by admin' }).expect(200);
      const session = await t.http.get(`/api/sessions/${b.sessionId}`).set(bearer(bob)).expect(200);
      expect(session.body.data).toMatchObject({ name: 'renamed by admin', user_id: 'bob' });

      await t.http.post(`/api/runs/${b.runId}/input`).set(bearer(admin)).send({ response: 'Shorter' }).expect(200);
      await bViewer.waitFor((f) => f.type === 'message' && f.data.source === 'user_proxy', 10_000, 'the answer');
      await bViewer.nth('input_request', 2, 10_000);
      const stopped = await t.http.post(`/api/runs/${b.runId}/stop`).set(bearer(admin)).send({ reason: 'Admin stop' }).expect(200);
      expect(stopped.body.data).toEqual({ run_id: b.runId, status: 'stopped' });
      const terminal = await bViewer.terminal();
      expect(terminal).toMatchObject({ type: 'completion', status: 'cancelled' });

      const run = await t.http.post('/api/runs/').set(bearer(admin)).send({ session_id: b.sessionId }).expect(200);
      expect((await t.http.get(`/api/runs/${run.body.data.run_id}`).set(bearer(bob)).expect(200)).body.data.user_id).toBe('bob');
    });

    it('an admin deletes B’s team, and its sessions and runs go with it', async () => {
      await t.http.delete(`/api/teams/${b.teamId}`).set(bearer(admin)).expect(200);
      await t.http.get(`/api/teams/${b.teamId}`).set(bearer(bob)).expect(404);
      await t.http.get(`/api/sessions/${b.sessionId}`).set(bearer(bob)).expect(404);
      await t.http.get(`/api/runs/${b.runId}`).set(bearer(bob)).expect(404);
    });
  });
});

describe('AUTH_TYPE=none', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts the literal ?token=null the AGS front-end sends, and any Authorization header is ignored', async () => {
    const run = await createRunAs(t, 'ignored', teamFixture('round-robin-replay'));
    const viewer = await RunViewer.open(t.baseUrl, run.runId, { token: 'null' });
    expect(await viewer.waitFor((f) => f.type === 'system', 5_000, 'connected')).toMatchObject({ status: 'connected' });
    await viewer.close();
    const type = await t.http.get('/api/auth/type').expect(200);
    expect(type.body.type).toBe('none');
    expect((await t.http.get('/api/auth/me').expect(200)).body.data).toMatchObject({ user_id: 'guestuser@gmail.com', is_admin: false });
  });
});
