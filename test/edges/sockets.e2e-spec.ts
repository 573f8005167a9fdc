/**
 * Security issue part 5: sockets and browsers.
 * - Open sockets are capped in total (WS_MAX_CONNECTIONS) and per user or IP
 *   (WS_MAX_CONNECTIONS_PER_USER): refused with 1013, counted here; a bad token is 4001 first.
 * - Every socket's frames are capped by the transport at WS_MAX_FRAME_BYTES (1009).
 * - CORS is same-origin by default, CORS_ORIGINS allows others; a socket upgrade from a foreign
 *   Origin is refused (4001) unless allowed.
 * - DNS rebinding: a request or upgrade naming a Host the server does not answer to (a foreign
 *   page's own name resolving to 127.0.0.1, same-origin to the browser) is refused: 403 / 4001.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunAs, JWT_ENV, tokenFor } from '../support/auth.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Outcome {
  /** 'open' once the server's first frame arrived (admitted), else the close code. */
  result: 'open' | number;
  reason: string;
  socket: WebSocket;
}

/** Opens a socket and settles on its first frame (admitted) or its close (refused). */
function attempt(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${url}: neither a frame nor a close in 10 s`)), 10_000);
    socket.once('message', () => (clearTimeout(timer), resolve({ result: 'open', reason: '', socket })));
    socket.once('close', (code, reason) => (clearTimeout(timer), resolve({ result: code, reason: reason.toString(), socket })));
    socket.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

function closeAll(outcomes: Outcome[]): Promise<void[]> {
  return Promise.all(
    outcomes.map(
      ({ socket }) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close();
        }),
    ),
  );
}

const wsUrl = (t: TestApp, path: string) => `${t.baseUrl.replace(/^http/, 'ws')}${path}`;

describe('connection caps (AUTH_TYPE=jwt, WS_MAX_CONNECTIONS=5, WS_MAX_CONNECTIONS_PER_USER=3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...JWT_ENV, WS_MAX_CONNECTIONS: '5', WS_MAX_CONNECTIONS_PER_USER: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses sockets over the per-user and the total cap with 1013, and admits again once one closes', async () => {
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((u) => tokenFor(u)) as [string, string, string];
    const runOf = async (token: string) => (await createRunAs(t, token, teamFixture('round-robin-replay'))).runId;
    const [aliceRun, bobRun] = [await runOf(alice), await runOf(bob)];
    const runSocket = (runId: number, token: string) => attempt(wsUrl(t, `/api/ws/runs/${runId}?token=${token}`));

    const aliceSockets = await Promise.all(Array.from({ length: 4 }, () => runSocket(aliceRun, alice)));
    const perUser = aliceSockets.filter((o) => o.result === 1013);
    expect(aliceSockets.filter((o) => o.result === 'open')).toHaveLength(3);
    expect(perUser).toHaveLength(1);
    expect(perUser[0]!.reason).toBe('Too many open sockets for this user (WS_MAX_CONNECTIONS_PER_USER=3)');

    const bobSockets = await Promise.all(Array.from({ length: 3 }, () => runSocket(bobRun, bob)));
    expect(bobSockets.filter((o) => o.result === 'open')).toHaveLength(2);
    const total = bobSockets.filter((o) => o.result === 1013);
    expect(total).toHaveLength(1);
    expect(total[0]!.reason).toBe('Too many open sockets on this server (WS_MAX_CONNECTIONS=5); try again later');
    // /ws/chat counts against the same caps; a bad token is refused as such, and never counted.
    expect((await attempt(wsUrl(t, `/ws/chat?token=${carol}`))).result).toBe(1013);
    const forged = await Promise.all(Array.from({ length: 5 }, () => attempt(wsUrl(t, `/ws/chat?token=forged`))));
    expect(forged.map((o) => o.result)).toEqual([4001, 4001, 4001, 4001, 4001]);

    // One of alice's closes: a slot is free again (its release follows the server's close event).
    const admitted = aliceSockets.filter((o) => o.result === 'open');
    await closeAll(admitted.slice(0, 1));
    let again: Outcome | undefined;
    for (let i = 0; i < 50 && again?.result !== 'open'; i++) again = await runSocket(bobRun, bob);
    expect(again?.result).toBe('open');
    await closeAll([...aliceSockets, ...bobSockets, again!]);
  });
});

describe('per client IP with AUTH_TYPE=none, and the transport frame limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WS_MAX_CONNECTIONS_PER_USER: '2', WS_MAX_FRAME_BYTES: '4096' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('caps sockets per client IP (every caller is the guest without auth)', async () => {
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    const outcomes = await Promise.all(Array.from({ length: 3 }, () => attempt(wsUrl(t, `/api/ws/runs/${runId}?token=null`))));
    expect(outcomes.map((o) => o.result).sort()).toEqual([1013, 'open', 'open']);
    await closeAll(outcomes);
  });

  it('a frame over WS_MAX_FRAME_BYTES closes any socket with 1009, /ws/chat included', async () => {
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system');
    viewer.sendRaw(JSON.stringify({ type: 'ping', pad: 'x'.repeat(4096) }));
    expect((await viewer.waitClosed()).code).toBe(1009);
    const chat = new WebSocket(wsUrl(t, '/ws/chat'));
    await new Promise((resolve) => chat.once('open', resolve));
    const closed = new Promise<number>((resolve) => chat.once('close', (code) => resolve(code)));
    chat.send('y'.repeat(5000));
    expect(await closed).toBe(1009);
  });
});

describe('browsers: CORS and socket origins (default: same-origin only)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends no CORS headers to a foreign origin', async () => {
    const res = await t.http.get('/api/health').set('Origin', 'http://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http.options('/api/teams/').set('Origin', 'http://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a socket upgrade from a foreign Origin; its own origin and non-browsers are let in', async () => {
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    const foreign = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Origin: 'http://evil.example' });
    expect([foreign.result, foreign.reason]).toEqual([4001, 'Origin http://evil.example may not open sockets here (CORS_ORIGINS)']);
    expect((await attempt(wsUrl(t, '/ws/chat'), { Origin: 'http://evil.example' })).result).toBe(4001);
    const own = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Origin: t.baseUrl });
    const none = await attempt(wsUrl(t, `/api/ws/runs/${runId}`));
    expect([own.result, none.result]).toEqual(['open', 'open']);
    await closeAll([foreign, own, none]);
  });
});

describe('browsers: CORS_ORIGINS allows the listed origins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'http://good.example,https://app.example.com' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a listed origin with CORS headers, and lets its sockets in', async () => {
    const res = await t.http.get('/api/health').set('Origin', 'http://good.example');
    expect(res.headers['access-control-allow-origin']).toBe('http://good.example');
    const preflight = await t.http.options('/api/teams/').set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect((await t.http.get('/api/health').set('Origin', 'http://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    const good = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Origin: 'http://good.example' });
    const evil = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Origin: 'http://evil.example' });
    expect([good.result, evil.result]).toEqual(['open', 4001]);
    await closeAll([good, evil]);
  });
});

describe('DNS rebinding: only the names the server answers to (AUTH_TYPE=none, HOST=127.0.0.1)', () => {
  let t: TestApp;
  let listed: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    listed = await startTestApp({ env: { ALLOWED_HOSTS: 'teams.example.com' } });
  });
  afterAll(async () => {
    await t?.close();
    await listed?.close();
  });

  it('refuses REST requests and socket upgrades that name a foreign Host, even with a matching Origin', async () => {
    const port = new URL(t.baseUrl).port;
    const evil = `rebind.evil.example:${port}`;
    const rest = await t.http.get('/api/teams/').set('Host', evil).set('Origin', `http://${evil}`);
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ status: false, message: `Host "${evil}" is not a name this server answers to (ALLOWED_HOSTS)` });
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    const socket = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Host: evil, Origin: `http://${evil}` });
    expect([socket.result, socket.reason]).toEqual([4001, `Host "${evil}" is not a name this server answers to (ALLOWED_HOSTS)`]);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) await t.http.get('/api/teams/').set('Host', host).expect(200);
    const ok = await attempt(wsUrl(t, `/api/ws/runs/${runId}`), { Host: `localhost:${port}`, Origin: `http://localhost:${port}` });
    expect(ok.result).toBe('open');
    await closeAll([socket, ok]);
  });

  it('serves the names in ALLOWED_HOSTS', async () => {
    await listed.http.get('/api/teams/').set('Host', 'teams.example.com').expect(200);
    await listed.http.get('/api/teams/').set('Host', 'other.example.com').expect(403);
  });
});
