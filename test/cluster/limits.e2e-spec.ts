/**
 * Limits across instances (issue 16 §1, README "Limits across instances"): two app instances A
 * and B in cluster mode (CLUSTER=redis) on one PostgreSQL schema and one Redis key prefix.
 * MAX_LIVE_RUNS_PER_USER and the REST rate limit hold across A and B together; a
 * /chat/completions conversation answers one message at a time whichever instance is asked; an
 * instance that dies gives its users' slots back within RUN_LEASE_S. Skipped, visibly, only when
 * PostgreSQL or Redis is absent (and failed instead under CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnections } from '../../src/cluster/redis-connections.js';
import { chat, eventually, shapeOf } from '../chat/ndjson.js';
import { TextSocket } from '../chat/text-socket.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { teamFixture } from '../support/fixtures.js';
import { createPostgresDatabase, findPostgres } from '../support/postgres.js';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../support/redis.js';
import { RunViewer } from '../support/run-viewer.js';
import { createRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestDatabase } from '../support/test-database.js';

const postgresUrl = await findPostgres();
const redisUrl = await findRedis();
const available = Boolean(postgresUrl && redisUrl);

/** Two instances of one deployment: same database schema, same Redis, same key prefix. */
async function startPair(env: NodeJS.ProcessEnv): Promise<{ a: TestApp; b: TestApp; close(): Promise<void> }> {
  const database: TestDatabase = await createPostgresDatabase(postgresUrl!);
  const keyPrefix = uniqueKeyPrefix();
  const shared = { CLUSTER: 'redis', DATABASE_URL: postgresUrl!, REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: keyPrefix, ...env };
  const a = await startTestApp({ env: { ...shared, INSTANCE_ID: 'a' }, database });
  const b = await startTestApp({ env: { ...shared, INSTANCE_ID: 'b' }, database }).catch(async (error: unknown) => {
    await a.close();
    throw error;
  });
  // Until its Redis connection is ready an instance counts requests in memory (the fallback).
  await Promise.all([a.app.get(RedisConnections).commands.ping(), b.app.get(RedisConnections).commands.ping()]);
  return {
    a,
    b,
    close: async () => {
      await Promise.allSettled([a.close(), b.close()]);
      await database.drop();
      await dropKeys(redisUrl!, keyPrefix);
    },
  };
}

/** A human-in-the-loop run started on `on`, waiting for its input (so it stays live). */
async function waitingRun(on: TestApp): Promise<{ runId: number; viewer: RunViewer }> {
  const team = teamFixture('human-in-the-loop');
  const { runId } = await createRun(on, team);
  const viewer = await RunViewer.open(on.baseUrl, runId);
  await viewer.waitFor((f) => f.type === 'system');
  viewer.send({ type: 'start', task: 'Poem', team_config: team });
  await viewer.waitFor((f) => f.type === 'input_request');
  return { runId, viewer };
}

describe.skipIf(!available)('limits across two instances (CLUSTER=redis)', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;
  let model: ChatCompletionsServer;
  beforeAll(async () => {
    model = await startChatCompletionsServer();
    pair = await startPair({
      MAX_LIVE_RUNS_PER_USER: '1',
      RUN_LEASE_S: '3',
      CHAT_COMPLETIONS_TEAM: 'Streaming assistant',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: model.baseUrl,
    });
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
    await model?.close();
  });

  it('MAX_LIVE_RUNS_PER_USER counts the user’s runs on both: a run live on A refuses a start on B, until it ends', async () => {
    const { a, b } = pair;
    const first = await waitingRun(a);
    const team = teamFixture('human-in-the-loop');
    const { runId } = await createRun(b, team);
    const second = await RunViewer.open(b.baseUrl, runId);
    await second.waitFor((f) => f.type === 'system');
    second.send({ type: 'start', task: 'Two', team_config: team });
    expect((await second.nth('error', 1)).error).toMatch(/across the cluster, the limit per user \(MAX_LIVE_RUNS_PER_USER\)/);
    expect((await b.http.get(`/api/runs/${runId}`)).body.data.status).toBe('created');
    // The other front ends of B refuse too.
    const socket = await TextSocket.open(b.baseUrl);
    socket.send('What is the weather in Paris?');
    expect(await socket.untilEnd()).toEqual([expect.stringMatching(/^Error: .*the limit per user \(MAX_LIVE_RUNS_PER_USER\)/)]);
    await b.http
      .post('/api/validate/test')
      .send({ component: teamFixture('weather-tool'), timeout: 10 })
      .expect(429);

    // A's run ends (its stop answers once the slot is free across the cluster): B starts.
    await a.http.post(`/api/runs/${first.runId}/stop`).send({}).expect(200);
    await first.viewer.terminal();
    second.send({ type: 'start', task: 'Two', team_config: team });
    await second.waitFor((f) => f.type === 'input_request');
    second.send({ type: 'stop' });
    await second.terminal();
    await Promise.all([first.viewer.close(), second.close(), socket.close()]);
  });

  it('a /chat/completions conversation busy on A is refused on B with the busy 409, and B answers it after', async () => {
    const { a, b } = pair;
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    model.push({ type: 'text', text: 'Slow answer TERMINATE', hold }, { type: 'text', text: 'Next TERMINATE' });
    const before = model.requests.length;
    const first = chat(a.baseUrl, { message: 'One', conversation_id: 'busy-across' });
    await eventually(() => model.requests.length > before, 'the model request on A');
    const second = await b.http.post('/chat/completions').send({ message: 'Two', conversation_id: 'busy-across' });
    release();
    expect(second.status).toBe(409);
    expect(second.body.message).toBe(
      'Conversation "busy-across" is still answering its previous message; send the next one when that reply has ended',
    );
    expect((await first).status).toBe(200);
    // The reply on A has ended: the conversation is free everywhere at once.
    expect(shapeOf((await chat(b.baseUrl, { message: 'Two', conversation_id: 'busy-across' })).lines)).toEqual(['string:Next ', 'string:TERMINATE']);
  });

  it('an instance that dies without releasing frees its user’s slot within RUN_LEASE_S (3 s)', async () => {
    const { a, b } = pair;
    const run = await waitingRun(a);
    await b.http
      .post('/api/validate/test')
      .send({ component: teamFixture('weather-tool'), timeout: 10 })
      .expect(429);
    // A "dies" for the cluster: its Redis connection is gone, so it neither renews nor releases.
    a.app.get(RedisConnections).commands.disconnect();
    const died = Date.now();
    let status = 0;
    while (status !== 200) {
      if (Date.now() - died > 6_000) throw new Error(`B still refuses (last status ${status}) 6 s after A died`);
      status = (await b.http.post('/api/validate/test').send({ component: teamFixture('weather-tool'), timeout: 10 })).status;
      expect([200, 429]).toContain(status);
    }
    // Within the lease (3 s), plus the time of the refused attempts in between.
    expect(Date.now() - died).toBeLessThan(3_000 + 1_500);
    await a.http.post(`/api/runs/${run.runId}/stop`).send({}).expect(200);
    await run.viewer.terminal();
    await run.viewer.close();
  });
});

describe.skipIf(!available)('the REST rate limit across two instances (CLUSTER=redis)', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;
  beforeAll(async () => {
    pair = await startPair({ RATE_LIMIT_PER_MINUTE: '4' });
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
  });

  it('counts one caller’s requests on A and B together: spent half on each, the next is 429 with Retry-After on both', async () => {
    const { a, b } = pair;
    for (const t of [a, a, b, b]) await t.http.get('/api/sessions/').query({ user_id: 'rate' }).expect(200);
    const refused = await b.http.get('/api/sessions/').query({ user_id: 'rate' }).expect(429);
    expect(refused.body).toEqual({
      status: false,
      message: expect.stringMatching(/^Rate limit of 4 requests per minute exceeded/),
      detail: refused.body.message,
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await a.http.get('/api/sessions/').query({ user_id: 'rate' }).expect(429);
  });
});
