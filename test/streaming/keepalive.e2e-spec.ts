/**
 * Every socket the server accepts is pinged (protocol §2.6): a live client answers and stays,
 * a client that stopped answering is dropped — on the run socket and on /ws/chat alike.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PING_MS = 100;

function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves once the socket has received `count` pings; rejects after `ms`. */
function pingsWithin(socket: WebSocket, count: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let pings = 0;
    const timer = setTimeout(() => reject(new Error(`${pings} ping(s) in ${ms} ms, expected ${count}`)), ms);
    socket.on('ping', () => {
      if (++pings < count) return;
      clearTimeout(timer);
      resolve(pings);
    });
  });
}

function closedWithin(socket: WebSocket, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    socket.once('close', (code) => (clearTimeout(timer), resolve(code)));
  });
}

describe('socket keep-alive', () => {
  let t: TestApp;
  let runUrl: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { WS_PING_INTERVAL_MS: String(PING_MS) } });
    const { runId } = await createRun(t, teamFixture('round-robin-replay'));
    runUrl = `${t.baseUrl.replace(/^http/, 'ws')}/api/ws/runs/${runId}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const [name, path] of [
    ['the run socket', () => runUrl],
    ['/ws/chat', () => `${t.baseUrl.replace(/^http/, 'ws')}/ws/chat`],
  ] as const) {
    it(`${name}: a client that answers pings stays connected`, async () => {
      const socket = await connect(path());
      // Three pings: the server checked the pongs of the first two and kept the socket.
      const pings = await pingsWithin(socket, 3, PING_MS * 50);
      expect(pings).toBeGreaterThanOrEqual(3);
      expect(socket.readyState).toBe(WebSocket.OPEN);
      socket.close();
    });

    it(`${name}: a client that stops answering is dropped`, async () => {
      // A client that receives pings but never answers them, like a peer that has gone away.
      const socket = await connect(path(), { autoPong: false });
      expect(await closedWithin(socket, PING_MS * 20)).toBe(1006);
    });
  }
});
