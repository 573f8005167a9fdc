/**
 * Thousands of random and malformed socket frames and REST bodies (fast-check): no crash, no
 * unhandled rejection, every answer an `error` frame or a 4xx envelope, and afterwards the
 * server still runs a team end to end.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from './support/fixtures.js';
import { RunViewer } from './support/run-viewer.js';
import { bodyRoutes, createRun, GUEST, openRun } from './support/runs.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const FRAME_TYPES = ['start', 'stop', 'input_response', 'ping', 'dance', '', 'START'];
/** Server frames a client may ever see on a run socket. */
const SERVER_TYPES = new Set(['system', 'error', 'pong', 'message', 'message_chunk', 'input_request', 'result', 'completion']);

/** Frames that look like ours (right keys, random values) and frames that are plain junk. */
const frameText = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .record(
      {
        type: fc.constantFrom(...FRAME_TYPES),
        task: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())),
        response: fc.oneof(fc.string(), fc.boolean(), fc.constant(null)),
        request_id: fc.oneof(fc.uuid(), fc.integer()),
        reason: fc.oneof(fc.string(), fc.integer()),
        files: fc.oneof(
          fc.array(fc.record({ name: fc.string(), type: fc.constantFrom('text/plain', 'image/png', 'application/x-sh', ''), content: fc.string() })),
          fc.string(),
        ),
        team_config: fc.oneof(fc.constant(undefined), fc.json(), fc.record({ provider: fc.string(), config: fc.object() })),
        input_timeout_s: fc.oneof(fc.double(), fc.string()),
        on_disconnect: fc.oneof(fc.constantFrom('stop', 'detach'), fc.string()),
      },
      { requiredKeys: ['type'] },
    )
    .map((frame) => JSON.stringify(frame)),
);

function isPing(text: string): boolean {
  try {
    const frame: unknown = JSON.parse(text);
    return typeof frame === 'object' && frame !== null && !Array.isArray(frame) && (frame as { type?: unknown }).type === 'ping';
  } catch {
    return false;
  }
}

describe('fuzzing', () => {
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startTestApp();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t?.close();
  });

  it('the run socket answers 3000 random frames with well-formed frames only and stays open', async () => {
    // The session team asks a human, so a random `start` that gets through leaves a run waiting.
    const { runId, viewer } = await openRun(t, teamFixture('human-in-the-loop'));
    const frames = fc.sample(frameText, { numRuns: 3000, seed: 42 });
    for (const text of frames) viewer.sendRaw(text);
    viewer.send({ type: 'ping' });
    // The socket handles frames in order: the pong to our final ping means every frame was
    // handled. Random pings among the frames get pongs too, so count them.
    const pings = frames.filter((text) => isPing(text)).length + 1;
    await viewer.nth('pong', pings, 60_000);
    expect(viewer.socket.readyState).toBe(viewer.socket.OPEN);
    for (const frame of viewer.frames) expect(SERVER_TYPES.has(frame.type)).toBe(true);
    const errors = viewer.frames.filter((f) => f.type === 'error');
    for (const frame of errors) expect(frame.error).toEqual(expect.any(String));
    // Nearly every random frame is refused, each with its own error frame.
    expect(errors.length).toBeGreaterThan(2500);
    const run = await t.http.get(`/api/runs/${runId}`).expect(200);
    expect(['created', 'active', 'complete', 'error', 'stopped']).toContain(run.body.data.status);
    if (run.body.data.status === 'active') await t.http.post(`/api/runs/${runId}/stop`).send({}).expect(200);
    await viewer.close();
  }, 90_000);

  it('REST answers 1500 random bodies with a 2xx or a 4xx envelope, never a 5xx', async () => {
    const { runId, sessionId } = await createRun(t, teamFixture('round-robin-replay'));
    const routes = bodyRoutes(runId, sessionId);
    const body = fc.oneof(
      fc.json().map((text) => JSON.parse(text) as unknown),
      fc.record({ user_id: fc.oneof(fc.constant(GUEST), fc.string()), component: fc.json(), team_id: fc.oneof(fc.integer(), fc.string()) }),
      fc.record({ message: fc.string(), conversation_id: fc.string() }),
    );
    const statuses = new Set<number>();
    const cases = fc.sample(fc.tuple(fc.constantFrom(...routes), body), { numRuns: 1500, seed: 7 });
    for (const [[method, path], payload] of cases) {
      const req = method === 'put' ? t.http.put(path) : t.http.post(path);
      const res = await req.query({ user_id: GUEST }).set('content-type', 'application/json').send(JSON.stringify(payload));
      expect(res.status, `${method} ${path} ${JSON.stringify(payload)}`).toBeLessThan(500);
      statuses.add(res.status);
      if (res.status >= 400) expect(res.body).toMatchObject({ status: false, message: expect.any(String) });
    }
    expect(statuses).toContain(400);
  }, 120_000);

  it('after all that, nothing was left unhandled and a run still completes', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Still there?', team_config: team });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
    expect(unhandled).toEqual([]);
  });
});
