/**
 * The served AsyncAPI document (GET /api/docs/asyncapi.json) against real traffic: every frame a
 * representative set of runs produces — live on the run socket, replayed with gaps, over SSE, and
 * on /ws/chat — and every client frame sent, must match one of the messages the document lists
 * for its channel (payload schemas checked with ajv). Issue #17 §6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextSocket } from './chat/text-socket.js';
import { AsyncApiFrames } from './support/asyncapi-frames.js';
import { teamFixture } from './support/fixtures.js';
import { RunViewer } from './support/run-viewer.js';
import { createRun } from './support/runs.js';
import { readSse } from './support/sse.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('the AsyncAPI document describes every frame the server sends and takes', () => {
  let t: TestApp;
  let doc: AsyncApiFrames;
  /** Every frame seen or sent, by channel, with the document's verdict checked at the end. */
  const seen: { channel: string; frame: unknown }[] = [];
  const sent: object[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { CHAT_DEFAULT_TEAM: 'Human in the loop', RUN_INPUT_TIMEOUT_S: '30' } });
    const res = await t.http.get('/api/docs/asyncapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ asyncapi: '3.0.0' });
    doc = new AsyncApiFrames(res.body as Record<string, unknown>);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const viewers: RunViewer[] = [];
  /** Opens a run socket; RunViewer records every frame it receives (from the first), checked at the end. */
  async function viewer(runId: number, query: Record<string, string | number> = {}): Promise<RunViewer> {
    const v = await RunViewer.open(t.baseUrl, runId, query);
    viewers.push(v);
    return v;
  }
  function send(v: RunViewer, frame: object): void {
    sent.push(frame);
    v.send(frame);
  }

  it('round-robin replay: live frames, then a replay with gaps over the socket and over SSE', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team);
    const live = await viewer(runId, { token: 'null' });
    await live.waitFor((f) => f.type === 'system');
    send(live, { type: 'start', task: 'What is the answer?', team_config: team });
    expect((await live.terminal()).type).toBe('result');
    await live.close();

    // Chunks of a finished turn are compacted: a replay from the start has gap frames.
    const replay = await viewer(runId, { after: 0 });
    await replay.terminal();
    expect(replay.frames.some((f) => f.type === 'gap')).toBe(true);
    await replay.close();

    const sse = (await readSse(`${t.baseUrl}/api/runs/${runId}/stream`, { timeoutMs: 10_000 })).events.map((e) => e.data);
    expect(sse.map((f) => f.type)).toContain('gap');
    for (const frame of sse) seen.push({ channel: 'runStream', frame });
  });

  it('human in the loop: input_request answered by request_id, ping/pong, a bad frame gets an error frame', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const v = await viewer(runId);
    send(v, { type: 'start', task: 'Write a poem', team_config: team, on_disconnect: 'stop', input_timeout_s: 30 });
    const request = await v.waitFor((f) => f.type === 'input_request');
    send(v, { type: 'ping' });
    await v.waitFor((f) => f.type === 'pong');
    v.sendRaw(JSON.stringify({ type: 'input_response' })); // no response: the server answers with an error frame
    await v.waitFor((f) => f.type === 'error');
    send(v, { type: 'input_response', response: 'APPROVE', request_id: request.request_id as string });
    expect((await v.terminal()).type).toBe('result');
    await v.close();
  });

  it('a stopped run ends with a completion (cancelled)', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const v = await viewer(runId);
    send(v, { type: 'start', task: 'Write a poem', team_config: team });
    await v.waitFor((f) => f.type === 'input_request');
    send(v, { type: 'stop', reason: 'Enough' });
    const end = await v.terminal();
    expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
    await v.close();
  });

  it('/ws/chat: text frames both ways', async () => {
    const client = await TextSocket.open(t.baseUrl);
    client.send('Write a line about the sea');
    const prompt = await client.waitFor((f) => f === 'Enter your response: ');
    client.send('APPROVE');
    await client.untilEnd(prompt + 1);
    for (const frame of [...client.frames, 'Write a line about the sea', 'APPROVE']) seen.push({ channel: 'chatSocket', frame });
    await client.close();
  });

  it('every frame received matches a message of its channel, and every kind of server frame was seen', () => {
    const named = new Set<string>();
    const socketFrames = viewers.flatMap((v) => v.frames.map((frame) => ({ channel: 'runSocket', frame })));
    expect(socketFrames.length).toBeGreaterThan(20);
    for (const { channel, frame } of [...socketFrames, ...seen]) {
      const matches = doc.matches(channel, frame);
      expect(matches, `${channel}: ${JSON.stringify(frame)}`).not.toEqual([]);
      matches.forEach((m) => named.add(m));
    }
    expect([...named].sort()).toEqual(
      [
        'ChatText',
        'CompletionFrame',
        'ErrorFrame',
        'GapFrame',
        'InputRequestFrame',
        'MessageChunkFrame',
        'MessageFrame',
        'PongFrame',
        'ResultFrame',
        'SystemFrame',
      ].sort(),
    );
  });

  it('every client frame sent matches ClientFrame; frames the server refuses do not', () => {
    for (const frame of sent) expect(doc.matches('runSocket', frame), JSON.stringify(frame)).toContain('ClientFrame');
    // The same checks the gateway's zod parser makes, now from the document.
    expect(doc.matches('runSocket', { type: 'input_response' })).toEqual([]);
    expect(doc.matches('runSocket', { type: 'bogus' })).toEqual([]);
    expect(doc.matches('runSocket', { type: 'start', input_timeout_s: -1 })).toEqual([]);
  });

  it('the document is not vacuous: a mangled server frame matches no message', () => {
    const result = viewers.flatMap((v) => v.frames).find((f) => f.type === 'result')!;
    expect(doc.matches('runSocket', { ...result, seq: 'x' })).toEqual([]);
    expect(doc.matches('runSocket', { ...result, data: { ...result.data, usage: undefined } })).toEqual([]);
    expect(doc.matches('runStream', { type: 'pong', timestamp: 'now' })).toEqual([]); // SSE carries run frames only
  });
});
