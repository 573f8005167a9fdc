/**
 * Chaos, bounded and repeatable (reliability issue §5): 50 concurrent runs on the real process,
 * viewers joining, leaving, stopping and answering input in an order drawn from a fixed seed; the
 * database taken away once mid-run (SQLite: another process holds the write lock; PostgreSQL with
 * TEST_DATABASE_URL: the app's connections are cut at a proxy) and the server killed once with
 * kill -9 and restarted. Then the invariants of protocol §2.2–2.4 are checked for every run and
 * every viewer, and their counts printed:
 * - every run ends in exactly one terminal state, none is `active` after the restart;
 * - every stored log has exactly one terminal frame, last, agreeing with the run row;
 * - seqs are unique and gap-free per run, a `gap` frame standing for seqs with no frame;
 * - every message row has its frame in the log;
 * - every viewer that stayed (re-attaching with `?after=` after the crash) got exactly that terminal frame.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutageDatabase, type OutageDatabase } from '../support/database-outage.js';
import { teamFixture } from '../support/fixtures.js';
import { RunViewer, type Frame } from '../support/run-viewer.js';
import { GUEST } from '../support/runs.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { longReplayTeam } from '../support/teams.js';
import { serverDatabaseEnv } from '../support/test-database.js';

const RUNS = 50;
const SEED = 20_261_130;
const WAIT_MS = 30_000;

/** mulberry32: a small seeded PRNG, so every run of this test makes the same choices. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const TERMINAL = new Set(['result', 'completion']);
const isTerminal = (f: Frame) => TERMINAL.has(f.type);
const numbered = (frames: Frame[]) => frames.filter((f) => typeof f.seq === 'number');
/** The seqs a list of frames accounts for: each frame's own, and every seq a gap frame stands in for. */
const covered = (frames: Frame[]) =>
  numbered(frames).flatMap((f) => (f.type === 'gap' ? Array.from({ length: f.to - f.from + 1 }, (_, i) => f.from + i) : [f.seq]));
const statusOf = (end: Frame) => (end.type === 'result' ? 'complete' : end.status === 'cancelled' ? 'stopped' : 'error');

type Action = 'none' | 'leave' | 'stop' | 'answer' | 'join';

interface Watcher {
  runId: number;
  /** What this viewer received, across the crash (its sockets before and after). */
  frames: Frame[];
  socket: RunViewer;
  /** False once the test closed it on purpose. */
  stayed: boolean;
}

describe('chaos: 50 runs, viewers at random, a database outage and a kill -9', () => {
  let outage: OutageDatabase;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    outage = await createOutageDatabase();
    env = {
      ...serverDatabaseEnv(outage.database),
      DB_RETRY_S: '20',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_LIVE_RUNS_PER_USER: '500',
      WS_MAX_CONNECTIONS_PER_USER: '1000',
      // Nobody-watching runs keep going: the test decides who leaves, not the grace timer.
      RUN_DETACH_GRACE_S: '3600',
    };
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await outage?.close();
  });

  it('keeps every invariant', { timeout: 240_000 }, async () => {
    const random = seeded(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    server = await startServerProcess(env);
    const http = () => request(server!.baseUrl);

    // Fifty runs: two in five wait for a human, the others stream a long reply.
    const human = teamFixture('human-in-the-loop');
    const streaming = longReplayTeam(150);
    const plans = Array.from({ length: RUNS }, () => {
      const waits = random() < 0.4;
      return {
        team: waits ? human : streaming,
        waits,
        viewers: random() < 0.5 ? 2 : 1,
        action: pick<Action>(['none', 'leave', 'stop', waits ? 'answer' : 'join', 'join']),
      };
    });
    const teamId = (await http().post('/api/teams/').send({ user_id: GUEST, component: streaming }).expect(200)).body.data.id as number;
    const sessionId = (await http().post('/api/sessions/').send({ user_id: GUEST, team_id: teamId, name: 'chaos' }).expect(200)).body.data
      .id as number;
    const runIds: number[] = [];
    for (let i = 0; i < RUNS; i++)
      runIds.push((await http().post('/api/runs/').send({ user_id: GUEST, session_id: sessionId }).expect(200)).body.data.run_id);

    const watchers: Watcher[] = [];
    const watch = async (runId: number, after = 0): Promise<Watcher> => {
      const socket = await RunViewer.open(server!.baseUrl, runId, after ? { after } : {});
      const watcher = { runId, frames: socket.frames, socket, stayed: true };
      watchers.push(watcher);
      return watcher;
    };
    for (const [i, plan] of plans.entries()) {
      const first = await watch(runIds[i]!);
      for (let v = 1; v < plan.viewers; v++) await watch(runIds[i]!);
      first.socket.send({ type: 'start', task: `Chaos task ${i}`, team_config: plan.team, on_disconnect: 'detach' });
    }
    // Every run has begun (its task echo reached the starter) before the trouble starts.
    await Promise.all(
      watchers
        .filter((w, i, all) => all.findIndex((x) => x.runId === w.runId) === i)
        .map((w) => w.socket.waitFor((f) => f.type === 'message', WAIT_MS)),
    );

    // The database goes away while replies stream, for less than DB_RETRY_S: writes are retried.
    await outage.begin();
    // How long it stays away is not what is checked (any length below DB_RETRY_S must be survived).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await outage.end();

    // The viewers' actions, in the seeded order.
    for (const i of [...plans.keys()].sort(() => random() - 0.5)) {
      const plan = plans[i]!;
      const runId = runIds[i]!;
      const mine = watchers.filter((w) => w.runId === runId && w.stayed);
      switch (plan.action) {
        case 'none':
          break;
        case 'leave': {
          const leaving = mine.at(-1)!;
          leaving.stayed = false;
          await leaving.socket.close();
          break;
        }
        case 'stop':
          mine[0]!.socket.send({ type: 'stop', reason: `Chaos stop of run ${runId}` });
          break;
        case 'answer': {
          const asked = await mine[0]!.socket.waitFor((f) => f.type === 'input_request' || isTerminal(f), WAIT_MS);
          if (asked.type === 'input_request') mine[0]!.socket.send({ type: 'input_response', response: 'APPROVE', request_id: asked.request_id });
          break;
        }
        case 'join': {
          const seen = numbered(mine[0]!.frames).at(-1)?.seq ?? 0;
          await watch(runId, Math.floor(random() * (seen + 1)));
          break;
        }
      }
    }
    // The stops and answers have landed (their runs ended) before the crash.
    await Promise.all(
      plans.flatMap((plan, i) =>
        plan.action === 'stop' || plan.action === 'answer'
          ? [watchers.find((w) => w.runId === runIds[i] && w.stayed)!.socket.waitFor(isTerminal, WAIT_MS)]
          : [],
      ),
    );

    // kill -9 with the human runs nobody answered still waiting; then a restart on the same database.
    await server.kill9();
    await Promise.all(watchers.map((w) => w.socket.waitClosed()));
    server = await startServerProcess(env);

    // Every viewer that stayed comes back after the last seq it saw, if the crash cut it off.
    for (const watcher of watchers.filter((w) => w.stayed && !w.frames.some(isTerminal))) {
      const lastSeen = numbered(watcher.frames).at(-1)?.seq ?? 0;
      const again = await RunViewer.open(server.baseUrl, watcher.runId, lastSeen ? { after: lastSeen } : {});
      expect(await again.waitClosed(WAIT_MS)).toEqual({ code: 1000, reason: 'Run finished' });
      watcher.frames.push(...again.frames);
    }

    // The invariants.
    const counts = { runs: 0, complete: 0, stopped: 0, error: 0, framesChecked: 0, gapFrames: 0, messageRows: 0, viewersStayed: 0, viewersLeft: 0 };
    for (const runId of runIds) {
      const row = (await http().get(`/api/runs/${runId}`).expect(200)).body.data;
      expect(['complete', 'stopped', 'error'], `run ${runId} is ${row.status}`).toContain(row.status);
      counts.runs++;
      counts[row.status as 'complete' | 'stopped' | 'error']++;

      const log: Frame[] = (await http().get(`/api/runs/${runId}/events`).expect(200)).body.data;
      const ends = log.filter(isTerminal);
      expect(ends, `run ${runId}: one terminal frame`).toHaveLength(1);
      expect(log.at(-1)).toEqual(ends[0]);
      expect(statusOf(ends[0]!)).toBe(row.status);
      expect(ends[0]!.data.task_result.stop_reason).toBe(row.stop_reason);
      const seqs = covered(log);
      expect(seqs, `run ${runId}: seqs unique and gap-free`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      counts.framesChecked += log.length;
      counts.gapFrames += log.filter((f) => f.type === 'gap').length;

      const messageIds = new Set(log.filter((f) => f.type === 'message').map((f) => f.data.id));
      const rows = (await http().get(`/api/runs/${runId}/messages`).expect(200)).body.data as { config: { id: string } }[];
      for (const message of rows)
        expect(messageIds.has(message.config.id), `message row ${message.config.id} of run ${runId} has its frame`).toBe(true);
      counts.messageRows += rows.length;

      for (const watcher of watchers.filter((w) => w.runId === runId)) {
        if (!watcher.stayed) {
          counts.viewersLeft++;
          continue;
        }
        counts.viewersStayed++;
        const got = watcher.frames.filter(isTerminal);
        expect(got, `a viewer of run ${runId}: exactly one terminal frame`).toHaveLength(1);
        expect(got[0]).toEqual(ends[0]);
        const own = numbered(watcher.frames).map((f) => f.seq);
        expect(own, `a viewer of run ${runId}: seqs strictly increasing`).toEqual([...own].sort((a, b) => a - b));
        expect(new Set(own).size).toBe(own.length);
      }
    }
    console.log(`chaos invariants (seed ${SEED}): ${JSON.stringify(counts)}`);
    expect(counts.runs).toBe(RUNS);
    // The seed makes every outcome happen: runs completed, stopped by a viewer, and interrupted by the crash.
    expect(counts.complete).toBeGreaterThan(0);
    expect(counts.stopped).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
  });
});
