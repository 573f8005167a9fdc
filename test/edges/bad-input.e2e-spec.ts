/**
 * Security issue part 4 (and the id half of part 3): bad input gets a 4xx, never a 500, on
 * SQLite and on PostgreSQL (whose int4 ids and text columns are where it used to fail).
 * - ids past 2^31-1 are 404 (socket 4004), non-integers 400, in every path; `after` and
 *   Last-Event-ID past the range are 400;
 * - JSON nested past MAX_JSON_DEPTH in a body or frame is refused before anything recurses;
 * - a NUL in any string is refused (400 / an `error` frame), a stop reason included;
 * - files are judged by their bytes; SVG is skipped with a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { createPostgresDatabase, createSqliteDatabase, findPostgres } from '../support/postgres.js';
import { RunViewer } from '../support/run-viewer.js';
import { bodyRoutes, createRun, GUEST } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const OUT_OF_RANGE = ['2147483648', '4294967296', '99999999999999999999'];
const NOT_INTEGERS = ['1.5', '-1', '0x10', '1e3', 'abc', '0'];
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/** Every route with an `:id` (the first parameter each validates), with a body it accepts. */
const ID_ROUTES: [method: 'get' | 'post' | 'put' | 'delete', path: string, body?: object][] = [
  ['get', '/api/runs/:id'],
  ['get', '/api/runs/:id/messages'],
  ['get', '/api/runs/:id/events'],
  ['get', '/api/runs/:id/stream'],
  ['post', '/api/runs/:id/stop', {}],
  ['post', '/api/runs/:id/input', { response: 'x' }],
  ['get', '/api/sessions/:id'],
  ['put', '/api/sessions/:id', { name: 'n' }],
  ['delete', '/api/sessions/:id'],
  ['get', '/api/sessions/:id/runs'],
  ['get', '/api/teams/:id'],
  ['delete', '/api/teams/:id'],
  ['get', '/api/gallery/:id'],
  ['put', '/api/gallery/:id', { config: 'a stored gallery config (read in the test)' }],
  ['delete', '/api/gallery/:id'],
];

const pgUrl = await findPostgres();

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUrl)(`bad input gets a 4xx (${kind})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      const database = kind === 'sqlite' ? createSqliteDatabase() : await createPostgresDatabase(pgUrl!);
      t = await startTestApp({ database });
      const close = t.close.bind(t);
      t.close = async () => (await close(), await database.drop());
    });
    afterAll(async () => {
      await t?.close();
    });

    const call = (method: 'get' | 'post' | 'put' | 'delete', path: string, body?: object) => {
      const req = t.http[method](path).query({ user_id: GUEST });
      return body ? req.send(body) : req;
    };

    it('an id past the integer column is 404 and a non-integer 400, on every :id route', async () => {
      // Nest validates a route's parameters concurrently: the bodies are valid, so the id decides.
      const galleries = (await call('get', '/api/gallery/')).body.data as { config: object }[];
      expect(galleries.length).toBeGreaterThan(0);
      for (const [method, template, given] of ID_ROUTES) {
        const body = given && 'config' in given ? { config: galleries[0]!.config } : given;
        for (const id of OUT_OF_RANGE) {
          const res = await call(method, template.replace(':id', id), body);
          expect(res.status, `${method} ${template} ${id}`).toBe(404);
          expect(res.body).toEqual({ status: false, message: `No row has id ${id}: ids are at most 2147483647`, detail: res.body.message });
        }
        for (const id of NOT_INTEGERS) {
          const res = await call(method, template.replace(':id', id), body);
          expect(res.status, `${method} ${template} ${id}`).toBe(400);
          expect(res.body.message).toBe('id: must be a positive integer');
        }
      }
    });

    it('a session_id past the range in POST /api/runs/ is a 400, not a failed query', async () => {
      const res = await call('post', '/api/runs/', { session_id: 2147483648 });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^session_id: /);
    });

    it('every other row id in a body past the range is a 400 naming its field', async () => {
      const { sessionId } = await createRun(t, teamFixture('round-robin-replay'));
      const cases: [string, string, object, string][] = [
        ['post', '/api/sessions/', { team_id: 2147483648, name: 's' }, 'team_id'],
        ['put', `/api/sessions/${sessionId}`, { team_id: 2147483648 }, 'team_id'],
        ['post', '/api/teams/', { id: 2147483648, component: teamFixture('round-robin-replay') }, 'id'],
        ['put', '/api/settings/', { id: 2147483648, config: {} }, 'id'],
        ['post', '/api/gallery/', { id: 2147483648, config: {} }, 'id'],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await call(method as 'post', path, body);
        expect([path, res.status]).toEqual([path, 400]);
        expect(res.body.message).toMatch(new RegExp(`^${field}: `));
      }
    });

    it('after and Last-Event-ID past the seq column, or not whole numbers, are 400', async () => {
      const { runId } = await createRun(t, teamFixture('round-robin-replay'));
      for (const after of ['2147483648', '-1', '1.5', 'abc']) {
        for (const route of ['events', 'stream']) {
          const res = await call('get', `/api/runs/${runId}/${route}`).query({ after });
          expect(res.status, `${route} after=${after}`).toBe(400);
          expect(res.body.message).toMatch(/^after: must be (a whole number|at most 2147483647)$/);
        }
      }
      const res = await call('get', `/api/runs/${runId}/stream`).set('last-event-id', '2147483648');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Last-Event-ID: must be a whole number up to 2147483647');
      await call('get', `/api/runs/${runId}/events`).query({ after: '2147483647' }).expect(200);
    });

    it('the run socket: an id past the range is 4004 without a query, a bad after 1008', async () => {
      for (const id of OUT_OF_RANGE) {
        const viewer = await RunViewer.open(t.baseUrl, id);
        expect(await viewer.waitClosed()).toEqual({ code: 4004, reason: 'Run not found' });
      }
      const { runId } = await createRun(t, teamFixture('round-robin-replay'));
      const viewer = await RunViewer.open(t.baseUrl, runId, { after: '2147483648' });
      expect(await viewer.waitClosed()).toEqual({ code: 1008, reason: 'after must be a whole number up to 2147483647' });
      expect(viewer.frames).toEqual([]);
    });

    it('JSON nested past MAX_JSON_DEPTH is a 400 naming the limit, on every body route', async () => {
      const { runId, sessionId } = await createRun(t, teamFixture('round-robin-replay'));
      const routes = bodyRoutes(runId, sessionId);
      for (const levels of [65, 1_500, 100_000]) {
        for (const [method, path] of routes) {
          const body = `{"user_id":"${GUEST}","component":${nested(levels - 1)}}`;
          const res = await (method === 'put' ? t.http.put(path) : t.http.post(path)).set('content-type', 'application/json').send(body);
          expect(res.status, `${method} ${path} at ${levels} levels`).toBe(400);
          expect(res.body.message).toBe('Request body is nested deeper than 64 levels (MAX_JSON_DEPTH)');
        }
      }
      // 64 levels is within the limit: refused (or not) for what it says, never for its depth.
      const res = await t.http.post('/api/validate/').send({ component: { provider: 'x', config: JSON.parse(nested(62)) } });
      expect(res.body.message ?? '').not.toMatch(/MAX_JSON_DEPTH/);
    });

    it('a frame nested past MAX_JSON_DEPTH gets an error frame naming the limit; the socket goes on', async () => {
      const { runId } = await createRun(t, teamFixture('round-robin-replay'));
      const viewer = await RunViewer.open(t.baseUrl, runId);
      await viewer.waitFor((f) => f.type === 'system');
      viewer.sendRaw(`{"type":"start","task":"x","team_config":${nested(100_000)}}`);
      expect((await viewer.nth('error', 1)).error).toBe('Frame is nested deeper than 64 levels (MAX_JSON_DEPTH)');
      viewer.sendRaw(`{"type":"ping","x":${nested(1_500)}}`);
      expect((await viewer.nth('error', 2)).error).toBe('Frame is nested deeper than 64 levels (MAX_JSON_DEPTH)');
      viewer.send({ type: 'ping' });
      await viewer.nth('pong', 1);
      await viewer.close();
    });

    it('a NUL in any string is a 400 naming the field; user_id in a query too', async () => {
      const team = await t.http
        .post('/api/teams/')
        .send({ user_id: GUEST, component: teamFixture('round-robin-replay') })
        .expect(200);
      const res = await t.http.post('/api/sessions/').send({ user_id: GUEST, team_id: team.body.data.id, name: 'a\u0000b' });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('name: must not contain the NUL character (\\u0000)');
      const deep = await t.http.post('/api/teams/').send({ user_id: GUEST, component: { provider: 'p', config: { list: ['ok', 'n\u0000'] } } });
      expect(deep.status).toBe(400);
      expect(deep.body.message).toBe('component.config.list.1: must not contain the NUL character (\\u0000)');
      const key = await t.http.post('/api/teams/').send({ user_id: GUEST, component: { provider: 'p', config: { 'k\u0000': 1 } } });
      expect(key.status).toBe(400);
      const query = await t.http.get('/api/teams/').query({ user_id: 'eve\u0000' });
      expect(query.status).toBe(400);
      expect(query.body.message).toMatch(/^user_id: must not contain the NUL character/);
    });

    it('a stop reason with a NUL is refused (REST 400, socket error frame) and the run stays stoppable', async () => {
      const team = teamFixture('human-in-the-loop');
      const { runId } = await createRun(t, team);
      const viewer = await RunViewer.open(t.baseUrl, runId);
      await viewer.waitFor((f) => f.type === 'system');
      viewer.send({ type: 'start', task: 'Ask me', team_config: team });
      await viewer.waitFor((f) => f.type === 'input_request');
      const refused = await t.http.post(`/api/runs/${runId}/stop`).query({ user_id: GUEST }).send({ reason: 'bad\u0000reason' });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('reason: must not contain the NUL character (\\u0000)');
      viewer.send({ type: 'stop', reason: 'also\u0000bad' });
      expect((await viewer.nth('error', 1)).error).toBe('Invalid frame: reason: must not contain the NUL character (\\u0000)');
      expect((await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST })).body.data.status).toBe('active');
      await t.http.post(`/api/runs/${runId}/stop`).query({ user_id: GUEST }).send({ reason: 'Fine reason' }).expect(200);
      const end = await viewer.terminal();
      expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
      expect(end.data.task_result.stop_reason).toBe('Fine reason');
      const run = (await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST })).body.data;
      expect(run).toMatchObject({ status: 'stopped', stop_reason: 'Fine reason' });
      await viewer.close();
    });

    it('files are judged by their bytes; SVG is skipped with a warning message, not an error', async () => {
      const team = teamFixture('round-robin-replay');
      const { runId } = await createRun(t, team);
      const viewer = await RunViewer.open(t.baseUrl, runId);
      await viewer.waitFor((f) => f.type === 'system');
      const start = (files: object[], task = 'Look') => viewer.send({ type: 'start', task, files, team_config: team });
      start([{ name: 'fake.png', type: 'image/png', content: b64('#!/bin/sh\necho not an image') }]);
      expect((await viewer.nth('error', 1)).error).toBe('File "fake.png" is not a PNG, JPEG, GIF or WebP image (declared image/png)');
      start([{ name: 'latin1.txt', type: 'text/plain', content: b64(Buffer.from([0x63, 0x61, 0x66, 0xe9])) }]);
      expect((await viewer.nth('error', 2)).error).toBe('File "latin1.txt" is not valid UTF-8 text (declared text/plain)');
      start([{ name: 'nul.txt', type: 'text/plain', content: b64('a\u0000b') }]);
      expect((await viewer.nth('error', 3)).error).toBe('File "nul.txt" is not text: it contains NUL bytes (declared text/plain)');
      start([{ name: 'only.svg', type: 'image/svg+xml', content: b64('<svg/>') }], '');
      expect((await viewer.nth('error', 4)).error).toBe('A start frame needs a non-empty task or at least one usable file (skipped: "only.svg")');
      expect((await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST })).body.data.status).toBe('created');
      // A real PNG declared as JPEG goes with its detected type; the SVG beside it is skipped.
      start([
        { name: 'dot.png', type: 'image/jpeg', content: b64(PNG) },
        { name: 'logo.svg', type: 'image/svg+xml', content: b64('<svg/>') },
      ]);
      expect((await viewer.terminal()).type).toBe('result');
      const echo = viewer
        .numbered()
        .filter((f) => f.type === 'message')
        .slice(0, 3)
        .map((f) => f.data);
      expect(echo[0]).toMatchObject({ type: 'TextMessage', source: 'user', content: 'Look' });
      expect(echo[1]).toMatchObject({
        type: 'MultiModalMessage',
        content: [{ url: `data:image/png;base64,${b64(PNG)}` }],
        metadata: { filename: 'dot.png' },
      });
      expect(echo[2]).toMatchObject({
        type: 'TextMessage',
        source: 'system',
        content: 'File "logo.svg" was skipped: SVG images are not supported (send PNG, JPEG, GIF or WebP)',
        metadata: { filename: 'logo.svg' },
      });
      expect(viewer.frames.filter((f) => f.type === 'error')).toHaveLength(4);
      await viewer.close();
    });
  });
}
