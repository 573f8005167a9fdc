/**
 * Runs outlive their socket: viewers detach and come back with `?after=`, many watch one run and
 * see the same frames, a late viewer gets the whole run, a finished run replays and closes 1000,
 * and the same frames are readable as JSON and as Server-Sent Events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { compactedReplay, coveredSeqs, RunViewer, type Frame } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { readSse } from '../support/sse.js';
import { longReplayTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const seqs = (frames: Frame[]) => frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq);
const strip = (frames: Frame[]) => frames.filter((f) => typeof f.seq === 'number');

describe('runs that outlive their socket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a viewer that disconnects mid-run and returns with ?after misses nothing and sees nothing twice', async () => {
    const team = longReplayTeam(400);
    const { runId } = await createRun(t, team);
    const first = await RunViewer.open(t.baseUrl, runId);
    first.send({ type: 'start', task: 'Long story', team_config: team });
    await first.nth('message_chunk', 50);
    await first.close();
    const lastSeen = seqs(first.frames).at(-1)!;

    // The run went on without any viewer.
    const again = await RunViewer.open(t.baseUrl, runId, { after: lastSeen });
    const end = await again.terminal();
    expect(end.type).toBe('result');
    // If the turn ended while nobody watched, its chunks were compacted: a gap stands in for the
    // ones this viewer missed, and the message follows it.
    const all = [...coveredSeqs(first.frames), ...coveredSeqs(again.frames)];
    expect(all).toEqual(Array.from({ length: end.seq }, (_, i) => i + 1));
    const gap = again.frames.findIndex((f) => f.type === 'gap');
    if (gap >= 0) expect(again.frames[gap + 1]).toMatchObject({ type: 'message', seq: again.frames[gap]!.to + 1 });
    await again.close();
  });

  it("with on_disconnect: 'stop', closing the last viewer stops the run; one of two leaving does not", async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const a = await RunViewer.open(t.baseUrl, runId);
    const b = await RunViewer.open(t.baseUrl, runId);
    a.send({ type: 'start', task: 'Poem', team_config: team, on_disconnect: 'stop' });
    await b.waitFor((f) => f.type === 'input_request');
    await a.close();
    // The run goes on for b after a left: b's answer gets a new draft and a second question.
    b.send({ type: 'input_response', response: 'Make it shorter' });
    let questions = 0;
    const next = await b.waitFor((f) => (f.type === 'input_request' && ++questions === 2) || f.type === 'completion' || f.type === 'result');
    expect(next.type).toBe('input_request'); // not a `completion`: a leaving did not stop the run
    expect((await t.http.get(`/api/runs/${runId}`)).body.data.status).toBe('active');
    await b.close();
    await expect
      .poll(async () => (await t.http.get(`/api/runs/${runId}`)).body.data, { timeout: 5000 })
      .toMatchObject({ status: 'stopped', stop_reason: 'All viewers disconnected' });
  });

  it('two viewers get identical sequences; a third joining late gets the whole run', async () => {
    const team = longReplayTeam(300);
    const { runId } = await createRun(t, team);
    const a = await RunViewer.open(t.baseUrl, runId);
    const b = await RunViewer.open(t.baseUrl, runId);
    a.send({ type: 'start', task: 'Story', team_config: team });
    await b.nth('message_chunk', 100);
    const late = await RunViewer.open(t.baseUrl, runId);
    const ends = await Promise.all([a.terminal(), b.terminal(), late.terminal()]);
    expect(ends.map((e) => e.seq)).toEqual([ends[0]!.seq, ends[0]!.seq, ends[0]!.seq]);
    expect(strip(b.frames)).toEqual(strip(a.frames));
    // The late viewer joined mid-turn (then it gets every chunk) or, on a slow machine, after the
    // turn's message (then its compacted chunks are one gap): the whole run either way.
    expect([strip(a.frames), compactedReplay(a.frames)]).toContainEqual(strip(late.frames));
    expect(seqs(a.frames)).toEqual(Array.from({ length: ends[0]!.seq }, (_, i) => i + 1));
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it('a finished run replays from the log, ends with its terminal frame and closes 1000', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team);
    const live = await RunViewer.open(t.baseUrl, runId);
    live.send({ type: 'start', task: 'Go', team_config: team });
    await live.terminal();
    await live.close();

    const replay = await RunViewer.open(t.baseUrl, runId);
    expect(await replay.waitClosed()).toEqual({ code: 1000, reason: 'Run finished' });
    expect(replay.frames[0]).toMatchObject({ type: 'system', status: 'connected' });
    // The reply's chunks (seqs 2-7) were compacted once its message (8) was stored.
    expect(strip(replay.frames)).toEqual(compactedReplay(live.frames));
    expect(strip(replay.frames).map((f) => f.type)).toEqual(['message', 'gap', 'message', 'result']);

    const tail = await RunViewer.open(t.baseUrl, runId, { after: 7 });
    await tail.waitClosed();
    expect(seqs(tail.frames)).toEqual([8, 9]);
  });

  it('GET /api/runs/:id/events returns the same frames as JSON, after a seq', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team);
    const live = await RunViewer.open(t.baseUrl, runId);
    live.send({ type: 'start', task: 'Go', team_config: team });
    await live.terminal();
    const all = await t.http.get(`/api/runs/${runId}/events`).expect(200);
    expect(all.body).toEqual({ status: true, data: compactedReplay(live.frames) });
    const after = await t.http.get(`/api/runs/${runId}/events`).query({ after: 5 }).expect(200);
    expect(after.body.data.map((f: Frame) => f.seq)).toEqual([7, 8, 9]);
    expect(after.body.data[0]).toEqual({ type: 'gap', run_id: runId, from: 6, to: 7, seq: 7 });
    const bad = await t.http.get(`/api/runs/${runId}/events`).query({ after: 'x' }).expect(400);
    expect(bad.body.message).toMatch(/^after: /);
    await t.http.get('/api/runs/987654/events').expect(404);
    await live.close();
  });

  it('GET /api/runs/:id/stream serves Server-Sent Events with id = seq and honours Last-Event-ID', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId } = await createRun(t, team);
    const live = await RunViewer.open(t.baseUrl, runId);
    live.send({ type: 'start', task: 'Go', team_config: team });
    await live.terminal();
    const url = `${t.baseUrl}/api/runs/${runId}/stream`;
    const full = await readSse(url, { until: (events) => events.length === 4, timeoutMs: 10_000 });
    expect(full.contentType).toMatch(/^text\/event-stream/);
    expect(full.events.map((e) => e.id)).toEqual([1, 7, 8, 9]);
    expect(full.events.map((e) => e.data)).toEqual(compactedReplay(live.frames));
    const resumed = await readSse(url, { headers: { 'last-event-id': '6' }, until: (events) => events.length === 3, timeoutMs: 10_000 });
    expect(resumed.events.map((e) => e.id)).toEqual([7, 8, 9]);
    await live.close();
  });

  it('an SSE client follows a live run to its end, and the server then ends the stream', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    viewer.send({ type: 'start', task: 'Poem', team_config: team });
    await viewer.waitFor((f) => f.type === 'input_request');
    // Never satisfied: readSse resolves only when the server ends the response. The answer is sent
    // once the SSE client has the input request, so the stream is attached to the live run.
    let attached!: () => void;
    const following = new Promise<void>((resolve) => (attached = resolve));
    const sse = readSse(`${t.baseUrl}/api/runs/${runId}/stream`, {
      until: (events) => {
        if (events.some((e) => e.data.type === 'input_request')) attached();
        return false;
      },
      timeoutMs: 10_000,
    });
    await Promise.race([following, sse]);
    viewer.send({ type: 'input_response', response: 'APPROVE' });
    const { events } = await sse;
    expect(events.at(-1)?.data.type).toBe('result');
    const seen = await viewer.terminal().then(() => strip(viewer.frames));
    // The first draft's chunks were compacted before the SSE client came: a gap stands in for them.
    expect(coveredSeqs(events.map((e) => e.data))).toEqual(seqs(seen));
    expect(events.map((e) => e.id)).toEqual(events.map((e) => e.data.seq));
    const bySeq = new Map(seen.map((f) => [f.seq, f]));
    for (const { data } of events) {
      if (data.type === 'gap') for (let seq = data.from; seq <= data.to; seq++) expect(bySeq.get(seq)?.type).toBe('message_chunk');
      else expect(data).toEqual(bySeq.get(data.seq));
    }
    await viewer.close();
  });

  it("a viewer whose ?after is past the live run's last seq is ended (1000) when the run ends, not left open", async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(t, team);
    const starter = await RunViewer.open(t.baseUrl, runId);
    starter.send({ type: 'start', task: 'Poem', team_config: team });
    await starter.waitFor((f) => f.type === 'input_request');
    const ahead = await RunViewer.open(t.baseUrl, runId, { after: 1_000_000 });
    starter.send({ type: 'input_response', response: 'APPROVE' });
    await starter.terminal();
    expect((await ahead.waitClosed()).code).toBe(1000);
    expect(ahead.numbered()).toEqual([]);
    await starter.close();
  });
});
