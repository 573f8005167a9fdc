/**
 * Reliability issue part 4: viewers never leak. A client that leaves while its attach is still
 * awaiting (the run being looked up) must not stay subscribed: with `on_disconnect: "stop"` the
 * run stops once its real last viewer leaves. The lookup is held until the server has seen the
 * client's connection close, so the window the bug needs is open every time (no timing luck).
 * Both tests fail on the code before the fix (the close handlers were registered after the await).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunsService } from '../../src/runs/runs.service.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun, GUEST } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('viewers that leave during their attach', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A live run (waiting for a human) started with on_disconnect "stop", and its one viewer. */
  async function stopOnDisconnectRun(): Promise<{ runId: number; viewer: RunViewer }> {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system');
    viewer.send({ type: 'start', task: 'Ask me', team_config: team, on_disconnect: 'stop' });
    await viewer.waitFor((f) => f.type === 'input_request');
    return { runId, viewer };
  }

  /** Closes the run's last real viewer and waits (bounded) for the run to end `stopped`. */
  async function expectStopsWhenLastViewerLeaves(runId: number, viewer: RunViewer): Promise<void> {
    await viewer.close();
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline && status !== 'stopped') {
      status = (await t.http.get(`/api/runs/${runId}`).query({ user_id: GUEST })).body.data.status;
    }
    expect(status, 'the run is still watched by a viewer that left').toBe('stopped');
  }

  it('a run socket closed right after the upgrade is never left attached', async () => {
    const { runId, viewer } = await stopOnDisconnectRun();
    const runs = t.app.get(RunsService);
    const server = t.app.getHttpServer() as http.Server;
    const findById = runs.findById.bind(runs);
    const serverSawClose = deferred();
    const lookedUp = deferred();
    // Added after the adapter's listener: the socket has been accepted and handed to the gateway.
    // ws emits its own 'close' from the TCP close in process.nextTick, before any promise
    // continuation (the held lookup's) runs.
    const onUpgrade = (_request: IncomingMessage, socket: Duplex) => socket.once('close', serverSawClose.resolve);
    server.on('upgrade', onUpgrade);
    runs.findById = async (id: number) => {
      await serverSawClose.promise;
      try {
        return await findById(id);
      } finally {
        lookedUp.resolve();
      }
    };
    try {
      const leaver = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/api/ws/runs/${runId}`);
      leaver.on('error', () => undefined);
      leaver.once('open', () => leaver.terminate());
      await lookedUp.promise;
      // Whatever the gateway does once the lookup is back (attach subscribes synchronously) is done by now.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      server.off('upgrade', onUpgrade);
      runs.findById = findById;
    }
    await expectStopsWhenLastViewerLeaves(runId, viewer);
  });

  it('an SSE request closed right after it is sent is never left attached', async () => {
    const { runId, viewer } = await stopOnDisconnectRun();
    const runs = t.app.get(RunsService);
    const server = t.app.getHttpServer() as http.Server;
    const get = runs.get.bind(runs);
    const serverSawClose = deferred();
    const lookedUp = deferred();
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      if (request.url?.startsWith(`/api/runs/${runId}/stream`)) response.once('close', serverSawClose.resolve);
    };
    server.on('request', onRequest);
    runs.get = async (id, caller) => {
      if (id !== runId) return get(id, caller);
      await serverSawClose.promise;
      try {
        return await get.call(runs, id, caller);
      } finally {
        lookedUp.resolve();
      }
    };
    try {
      const request = http.get(`${t.baseUrl}/api/runs/${runId}/stream?user_id=${encodeURIComponent(GUEST)}`);
      request.on('error', () => undefined);
      request.once('finish', () => request.destroy());
      await lookedUp.promise;
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      server.off('request', onRequest);
      runs.get = get;
    }
    await expectStopsWhenLastViewerLeaves(runId, viewer);
  });
});
