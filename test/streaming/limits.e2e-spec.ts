/**
 * The run socket's limits (protocol §2.6, issue 6): live runs per user, frame and task sizes,
 * file types, and a viewer that cannot keep up — merged, then closed 1013, then resumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { openRun } from '../support/runs.js';
import { longReplayTeam } from '../support/teams.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('run socket limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        MAX_LIVE_RUNS_PER_USER: '1',
        WS_MAX_FRAME_BYTES: '4096',
        MAX_TASK_CHARS: '100',
        MAX_FILE_BYTES: '16',
        WS_VIEWER_SOFT_LIMIT_BYTES: '65536',
        WS_VIEWER_HARD_LIMIT_BYTES: '262144',
        // The slow-viewer run streams 100 000 chunks: more than the default RUN_MAX_FRAMES leaves room for.
        RUN_MAX_FRAMES: '200000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const open = (component: object) => openRun(t, component);

  it('refuses a start over the per-user live-run limit, leaving the run created', async () => {
    const team = teamFixture('human-in-the-loop');
    const first = await open(team);
    first.viewer.send({ type: 'start', task: 'One', team_config: team });
    await first.viewer.waitFor((f) => f.type === 'input_request');
    const second = await open(team);
    second.viewer.send({ type: 'start', task: 'Two', team_config: team });
    expect((await second.viewer.nth('error', 1)).error).toMatch(/limit per user \(MAX_LIVE_RUNS_PER_USER\)/);
    expect((await t.http.get(`/api/runs/${second.runId}`)).body.data.status).toBe('created');
    first.viewer.send({ type: 'stop' });
    await first.viewer.terminal();
    // With the slot free, the refused run starts normally.
    second.viewer.send({ type: 'start', task: 'Two', team_config: team });
    await second.viewer.waitFor((f) => f.type === 'input_request');
    second.viewer.send({ type: 'stop' });
    await second.viewer.terminal();
    await Promise.all([first.viewer.close(), second.viewer.close()]);
  });

  it('refuses oversized frames, long tasks, large or unsupported files with error frames', async () => {
    const team = teamFixture('round-robin-replay');
    const { runId, viewer: first } = await open(team);
    // WS_MAX_FRAME_BYTES is the transport's own limit (protocol §2.6): the frame is never
    // buffered, the socket is closed 1009, and the client comes back.
    first.send({ type: 'start', task: 'x'.repeat(5000) });
    expect((await first.waitClosed()).code).toBe(1009);
    const viewer = await RunViewer.open(t.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system');
    viewer.send({ type: 'start', task: 'y'.repeat(101), team_config: team });
    expect((await viewer.nth('error', 1)).error).toBe('The task has 101 characters; the limit is 100');
    viewer.send({
      type: 'start',
      task: 'hi',
      files: [{ name: 'big.txt', type: 'text/plain', content: Buffer.alloc(17).toString('base64') }],
      team_config: team,
    });
    expect((await viewer.nth('error', 2)).error).toBe('File "big.txt" has 17 bytes; the limit is 16');
    // (SVG is skipped with a warning rather than refused: test/edges/bad-input.e2e-spec.ts.)
    viewer.send({ type: 'start', task: 'hi', files: [{ name: 'x.sh', type: 'application/x-sh', content: 'ZWNobw==' }], team_config: team });
    expect((await viewer.nth('error', 3)).error).toMatch(/unsupported type "application\/x-sh"/);
    viewer.send({ type: 'start', task: 'hi', files: [{ name: 'x.txt', type: 'text/plain', content: 'not base64!' }], team_config: team });
    expect((await viewer.nth('error', 4)).error).toBe('File "x.txt" content is not base64');
    expect((await t.http.get(`/api/runs/${runId}`)).body.data.status).toBe('created');
    viewer.send({ type: 'start', task: 'Fine', team_config: team });
    expect((await viewer.terminal()).type).toBe('result');
    await viewer.close();
  });

  it('a viewer that never reads is merged, then closed 1013; others finish; it resumes with ?after', async () => {
    const words = 100_000;
    const team = longReplayTeam(words - 1);
    const { runId, viewer: fast } = await open(team);
    const slow = await RunViewer.open(t.baseUrl, runId);
    await slow.waitFor((f) => f.type === 'system');
    const rssBefore = process.memoryUsage().rss;
    // Stop reading: the kernel buffers fill, then the server's send buffer for this socket grows.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // The session's stored team: this team's config is larger than the test's 4 KiB frame limit.
    fast.send({ type: 'start', task: 'A very long story' });
    const end = await fast.terminal(120_000);
    expect(end.type).toBe('result');
    const rssAfter = process.memoryUsage().rss;
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.waitClosed(30_000)).toEqual({ code: 1013, reason: 'Viewer too slow: reconnect with ?after=<last seq>' });

    const fastChunks = fast.numbered().filter((f) => f.type === 'message_chunk');
    expect(fastChunks).toHaveLength(words);
    const finalText = fast.numbered().find((f) => f.type === 'message' && f.data.source !== 'user')!.data.content as string;

    // Resume like a real client: a replay burst can itself pass the hard limit, so come back
    // with the last seq received until the terminal frame has arrived (bounded attempts).
    const all: Frame[] = [...slow.numbered()];
    for (let attempt = 0; attempt < 50 && all.at(-1)?.type !== 'result'; attempt++) {
      const resumed = await RunViewer.open(t.baseUrl, runId, { after: all.at(-1)?.seq ?? 0 });
      await resumed.waitClosed(30_000);
      all.push(...resumed.numbered());
    }
    // Merged chunks skip seqs but never reorder or repeat; their text adds up to the message, up to
    // the point where the viewer resumed after the turn had ended: its chunks are compacted, a gap
    // stands in for the rest of them, and the message follows.
    const seqs = all.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(all.at(-1)).toEqual(end);
    const gapAt = all.findIndex((f) => f.type === 'gap');
    const text = all
      .filter((f) => f.type === 'message_chunk')
      .map((f) => f.data.content as string)
      .join('');
    if (gapAt < 0) expect(text).toBe(finalText);
    else {
      expect(finalText.startsWith(text)).toBe(true);
      expect(all.slice(gapAt + 1).filter((f) => f.type === 'message_chunk')).toEqual([]);
      expect(all[gapAt + 1]).toMatchObject({ type: 'message', seq: all[gapAt]!.to + 1, data: { content: finalText } });
    }
    // The bound: a stalled viewer costs at most its hard limit, not the whole run.
    expect(rssAfter - rssBefore).toBeLessThan(256 * 1024 * 1024);
    await fast.close();
  }, 180_000);
});
