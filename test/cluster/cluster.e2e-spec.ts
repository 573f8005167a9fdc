/**
 * Cluster mode (CLUSTER=redis, issue #16 §1): three real server processes (A, B, C) on separate
 * ports share one PostgreSQL schema and one Redis key prefix. Redis is reached through a TCP proxy
 * that a test cuts (the shared Redis server itself is never touched). Runs are deterministic: a
 * local fake Chat Completions server paces the model's words, and the human-input team uses the
 * replay model client. Skipped (visibly) only when PostgreSQL or Redis is absent; under CI a
 * missing one fails instead (findPostgres / findRedis).
 */
import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { createPostgresDatabase, findPostgres } from '../support/postgres.js';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../support/redis.js';
import { coveredSeqs, RunViewer, type Frame } from '../support/run-viewer.js';
import { createRunAt } from '../support/runs.js';
import { readSse } from '../support/sse.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { openAiTeam } from '../support/teams.js';

const LEASE_S = 3;
/** What the test's own timing may add to the lease bound (frames over sockets, a loaded machine). */
const MARGIN_MS = 2_000;

const pgUrl = await findPostgres();
const redisUrl = await findRedis();

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const numbered = (frames: Frame[]) => frames.filter((f) => typeof f.seq === 'number');
const seqsOf = (frames: Frame[]) => numbered(frames).map((f) => f.seq as number);

describe.skipIf(!pgUrl || !redisUrl)('cluster mode: three instances on one PostgreSQL and one Redis', () => {
  let proxy: TcpProxy;
  let model: ChatCompletionsServer;
  let drop: () => Promise<void>;
  let prefix: string;
  let env: (id: string) => Record<string, string>;
  const servers: Record<'a' | 'b' | 'c', ServerProcess | undefined> = { a: undefined, b: undefined, c: undefined };
  const server = (id: 'a' | 'b' | 'c'): ServerProcess => servers[id]!;

  beforeAll(async () => {
    const redis = new URL(redisUrl!);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    model = await startChatCompletionsServer();
    const db = await createPostgresDatabase(pgUrl!);
    drop = () => db.drop();
    prefix = uniqueKeyPrefix();
    env = (id) => ({
      DATABASE_URL: pgUrl!,
      DATABASE_SCHEMA: db.schema,
      CLUSTER: 'redis',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: prefix,
      RUN_LEASE_S: String(LEASE_S),
      INSTANCE_ID: id,
      RATE_LIMIT_PER_MINUTE: '0',
      RUN_DETACH_GRACE_S: '1',
    });
    // A first: it migrates the schema; B and C then find it migrated.
    // One at a time: the machine may be loaded, and each is stopped in afterAll even if a later one fails to start.
    servers.a = await startServerProcess(env('a'));
    servers.b = await startServerProcess(env('b'));
    servers.c = await startServerProcess(env('c'));
  }, 90_000);

  afterAll(async () => {
    if (process.env.CLUSTER_LOGS)
      for (const [id, s] of Object.entries(servers)) writeFileSync(`${process.env.CLUSTER_LOGS}/${id}.log`, s?.output() ?? '');
    await Promise.all(Object.values(servers).map(async (s) => s?.stop()));
    await model?.close();
    await proxy?.close();
    await drop?.();
    if (prefix) await dropKeys(redisUrl!, prefix);
  });

  /** A paced streaming run (the fake model sends `n` words, one every `delayMs`). */
  const streamingRun = async (at: ServerProcess, n: number, delayMs = 15) => {
    model.push({ type: 'text', text: `${words(n)} TERMINATE`, delayMs });
    const team = openAiTeam(model.baseUrl);
    return { team, ...(await createRunAt(at.baseUrl, team)) };
  };

  /** A viewer on `at`, once connected, sends the run's `start` frame (`start`: its fields). */
  const startOn = async (at: ServerProcess, runId: number, start: Record<string, unknown>) => {
    const viewer = await RunViewer.open(at.baseUrl, runId);
    await viewer.waitFor((f) => f.type === 'system');
    viewer.send({ type: 'start', ...start });
    return viewer;
  };

  it('a run started on A reaches viewers on B and C: every frame once, in seq order, the same as on A', async () => {
    const { runId, team } = await streamingRun(server('a'), 60);
    const a = await RunViewer.open(server('a').baseUrl, runId);
    const b = await RunViewer.open(server('b').baseUrl, runId);
    const c = await RunViewer.open(server('c').baseUrl, runId);
    await Promise.all([a, b, c].map((v) => v.waitFor((f) => f.type === 'system')));
    a.send({ type: 'start', task: 'Talk', team_config: team });
    // A viewer joining mid-run on B with ?after gets every frame after it once.
    const head = await a.nth('message_chunk', 20);
    const late = await RunViewer.open(server('b').baseUrl, runId, { after: head.seq });
    const ends = await Promise.all([a, b, c, late].map((v) => v.terminal(20_000)));
    for (const end of ends) expect(end).toMatchObject({ type: 'result', run_id: runId });
    const reference = numbered(a.frames);
    expect(numbered(b.frames)).toEqual(reference);
    expect(numbered(c.frames)).toEqual(reference);
    const seqs = seqsOf(a.frames);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    // The late viewer: every seq after `after` exactly once, in order (a gap may stand in for chunks stored and compacted before it came).
    const covered = coveredSeqs(numbered(late.frames));
    expect(covered).toEqual(seqs.filter((s) => s > head.seq));
    const bySeq = new Map(reference.map((f) => [f.seq, f]));
    for (const f of numbered(late.frames)) if (f.type !== 'gap') expect(f).toEqual(bySeq.get(f.seq));
    await Promise.all([a, b, c, late].map((v) => v.close()));
  }, 40_000);

  it('input answered from B (socket, then REST) reaches the run on A', async () => {
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRunAt(server('a').baseUrl, team);
    const a = await startOn(server('a'), runId, { task: 'Poem', team_config: team });
    const b = await RunViewer.open(server('b').baseUrl, runId);
    const first = await b.waitFor((f) => f.type === 'input_request', 15_000);
    b.send({ type: 'input_response', request_id: first.request_id, response: 'Shorter' });
    await b.nth('input_request', 2, 15_000);
    const answered = await request(server('b').baseUrl).post(`/api/runs/${runId}/input`).send({ response: 'APPROVE' }).expect(200);
    expect(answered.body).toMatchObject({ status: true, data: { run_id: runId } });
    for (const v of [a, b]) expect(await v.terminal(15_000)).toMatchObject({ type: 'result' });
    expect(numbered(b.frames)).toEqual(numbered(a.frames));
    // Nothing waits any more: the answer is refused with the owner's words, from any instance.
    const late = await request(server('c').baseUrl).post(`/api/runs/${runId}/input`).send({ response: 'more' }).expect(409);
    expect(late.body.message).toBe(`Run ${runId} is not waiting for any input request`);
    await Promise.all([a.close(), b.close()]);
  }, 40_000);

  it('stop from C (socket) and from B (REST) end runs owned by A; a finished run is "not running" everywhere', async () => {
    const one = await streamingRun(server('a'), 400, 30);
    const two = await streamingRun(server('a'), 400, 30);
    const a1 = await startOn(server('a'), one.runId, { task: 'Talk', team_config: one.team });
    const a2 = await startOn(server('a'), two.runId, { task: 'Talk', team_config: two.team });
    const c1 = await RunViewer.open(server('c').baseUrl, one.runId);
    await c1.nth('message_chunk', 3, 15_000);
    c1.send({ type: 'stop', reason: 'Stopped from C' });
    for (const v of [a1, c1]) {
      const end = await v.terminal(15_000);
      expect(end).toMatchObject({ type: 'completion', status: 'cancelled' });
      expect(end.data.task_result.stop_reason).toBe('Stopped from C');
    }
    await a2.nth('message_chunk', 3, 15_000);
    const stopped = await request(server('b').baseUrl).post(`/api/runs/${two.runId}/stop`).send({ reason: 'Stopped from B' }).expect(200);
    expect(stopped.body).toEqual({ status: true, data: { run_id: two.runId, status: 'stopped' }, message: 'Run stopped' });
    expect((await a2.terminal(15_000)).data.task_result.stop_reason).toBe('Stopped from B');
    const again = await request(server('c').baseUrl).post(`/api/runs/${two.runId}/stop`).send({}).expect(409);
    expect(again.body.message).toBe(`Run ${two.runId} is not running`);
    await Promise.all([a1, a2, c1].map((v) => v.close()));
  }, 40_000);

  it('SSE on C resumes a run of A with Last-Event-ID and ends after its terminal frame', async () => {
    const { runId, team } = await streamingRun(server('a'), 80);
    const a = await startOn(server('a'), runId, { task: 'Talk', team_config: team });
    const head = await a.nth('message_chunk', 10);
    const { events } = await readSse(`${server('c').baseUrl}/api/runs/${runId}/stream`, { headers: { 'last-event-id': String(head.seq) } });
    await a.terminal(15_000);
    expect(events.map((e) => e.id)).toEqual(events.map((e) => e.data.seq));
    expect(events.at(-1)?.data.type).toBe('result');
    expect(coveredSeqs(events.map((e) => e.data))).toEqual(seqsOf(a.frames).filter((s) => s > head.seq));
    await a.close();
  }, 40_000);

  /**
   * A run started on A (with `onDisconnect`, when given) and watched from B; A's viewer leaves, and
   * the run must go on while B watches (well past RUN_DETACH_GRACE_S, 1 here, and a second look);
   * then B leaves too. Resolves with the run's row once it is no longer active.
   */
  async function lastViewerOnB(onDisconnect?: 'stop') {
    const { runId, team } = await streamingRun(server('a'), 2_000, 30);
    const a = await startOn(server('a'), runId, { task: 'Talk', team_config: team, ...(onDisconnect ? { on_disconnect: onDisconnect } : {}) });
    const b = await RunViewer.open(server('b').baseUrl, runId);
    await b.nth('message_chunk', 3, 15_000);
    await a.close();
    const leftAt = Date.now();
    await b.waitFor((f) => f.type === 'message_chunk' && Date.now() - leftAt > 2_500, 10_000, 'a chunk 2.5 s after the starter left');
    const row = () => request(server('c').baseUrl).get(`/api/runs/${runId}`).expect(200);
    expect((await row()).body.data.status).toBe('active');
    await b.close();
    await expect.poll(async () => (await row()).body.data.status, { timeout: 10_000, message: 'the run to stop after B left' }).not.toBe('active');
    return (await row()).body.data as unknown;
  }

  it('the detach grace counts viewers on every instance: the run goes on while B watches, and stops once B has gone too', async () => {
    expect(await lastViewerOnB()).toMatchObject({ status: 'stopped', stop_reason: 'All viewers left' });
  }, 40_000);

  it('on_disconnect "stop" counts viewers on every instance too, and stops as "All viewers disconnected" once the last one, on B, has gone', async () => {
    expect(await lastViewerOnB('stop')).toMatchObject({ status: 'stopped', stop_reason: 'All viewers disconnected' });
  }, 40_000);

  it('kill -9 of A mid-run: the viewer on B gets `Instance lost` within RUN_LEASE_S; A restarted leaves runs of live peers alone', async () => {
    const lost = await streamingRun(server('a'), 2_000, 30);
    const onB = await streamingRun(server('b'), 2_000, 30);
    await startOn(server('a'), lost.runId, { task: 'Talk', team_config: lost.team });
    const b = await startOn(server('b'), onB.runId, { task: 'Talk', team_config: onB.team });
    const watcher = await RunViewer.open(server('b').baseUrl, lost.runId);
    await watcher.nth('message_chunk', 5, 15_000);
    await b.nth('message_chunk', 2, 15_000);

    const killedAt = Date.now();
    await server('a').kill9();
    const end = await watcher.terminal(LEASE_S * 1000 + MARGIN_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_S * 1000 + MARGIN_MS);
    expect(end).toMatchObject({ type: 'completion', status: 'error' });
    expect(end.data.task_result.stop_reason).toBe('Instance lost');
    const seqs = seqsOf(watcher.frames);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const row = await request(server('c').baseUrl).get(`/api/runs/${lost.runId}`).expect(200);
    expect(row.body.data).toMatchObject({ status: 'error', stop_reason: 'Instance lost' });

    // A comes back under its id while B's run goes on: its start-up sweep must not touch it.
    servers.a = await startServerProcess(env('a'));
    expect((await request(server('c').baseUrl).get(`/api/runs/${onB.runId}`).expect(200)).body.data.status).toBe('active');
    const chunks = b.frames.length;
    await b.waitFor((f) => f.type === 'message_chunk' && b.frames.indexOf(f) > chunks, 10_000, 'a chunk after A restarted');
    await request(server('a').baseUrl).post(`/api/runs/${onB.runId}/stop`).send({ reason: 'Enough' }).expect(200);
    expect((await b.terminal(15_000)).data.task_result.stop_reason).toBe('Enough');
    await Promise.all([b.close(), watcher.close()]);
  }, 60_000);

  it('Redis cut mid-run: the run goes on, the viewer on another instance follows the journal to the end, nobody hangs', async () => {
    const { runId, team } = await streamingRun(server('b'), 120, 20);
    const b = await RunViewer.open(server('b').baseUrl, runId);
    const c = await RunViewer.open(server('c').baseUrl, runId);
    await Promise.all([b, c].map((v) => v.waitFor((f) => f.type === 'system')));
    b.send({ type: 'start', task: 'Talk', team_config: team });
    await c.nth('message_chunk', 5, 15_000);
    proxy.cut();
    try {
      expect(await b.terminal(20_000)).toMatchObject({ type: 'result' });
      expect(await c.terminal(20_000)).toMatchObject({ type: 'result' });
      // C's viewer: each seq at most once, in order; what the stream could not carry is a gap or came from the journal.
      const covered = coveredSeqs(numbered(c.frames));
      expect(covered).toEqual(seqsOf(b.frames));
    } finally {
      proxy.restore();
    }
    // Redis is back: a new run of C reaches a viewer on B again.
    await expect
      .poll(async () => (await request(server('b').baseUrl).get('/api/health/ready')).status, {
        timeout: 15_000,
        message: 'B ready again (Redis back)',
      })
      .toBe(200);
    const next = await streamingRun(server('c'), 10);
    const owner = await RunViewer.open(server('c').baseUrl, next.runId);
    const viewer = await RunViewer.open(server('b').baseUrl, next.runId);
    await Promise.all([owner, viewer].map((v) => v.waitFor((f) => f.type === 'system')));
    owner.send({ type: 'start', task: 'Talk', team_config: next.team });
    await Promise.all([owner, viewer].map((v) => v.terminal(15_000)));
    expect(numbered(viewer.frames)).toEqual(numbered(owner.frames));
    await Promise.all([b, c, owner, viewer].map((v) => v.close()));
  }, 60_000);
});
