/**
 * The cluster-wide admission against a real Redis (under a key prefix of its own): two
 * registries with their own connection and instance id stand for two instances.
 */
import { createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../../test/support/redis.js';
import { AppError } from '../common/errors.js';
import { LiveRunRegistry, type LiveRunClaim } from '../live-runs/live-run-registry.js';
import { RedisAdmission } from './redis-admission.js';

const LIMITS = { inputTimeoutS: 60, maxTurns: 100, maxSeconds: 3600 };
const redisUrl = await findRedis();
const prefix = uniqueKeyPrefix();

/** Waits for `check` to hold, polling, for at most `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function outcome(claim: Promise<LiveRunClaim>): Promise<LiveRunClaim | AppError> {
  try {
    return await claim;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

const connections: Redis[] = [];
const admissions: RedisAdmission[] = [];

/** One "instance": its own connection, instance id and registry. */
function instance(name: string, { maxLiveRuns = 50, maxLiveRunsPerUser = 3, leaseMs = 15_000, url = redisUrl! } = {}) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  connections.push(redis);
  const admission = new RedisAdmission({
    redis,
    key: (...parts) => prefix + parts.join(':'),
    instanceId: `${name}-${Math.random().toString(36).slice(2, 8)}`,
    leaseMs,
    timeoutMs: 1_000,
  });
  admissions.push(admission);
  return { redis, admission, registry: new LiveRunRegistry({ maxLiveRuns, maxLiveRunsPerUser, limits: LIMITS }, admission) };
}

describe.skipIf(!redisUrl)(RedisAdmission.name, () => {
  afterEach(() => {
    for (const admission of admissions.splice(0)) admission.close();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    if (redisUrl) await dropKeys(redisUrl, prefix);
  });

  it('20 concurrent claims of one user with MAX_LIVE_RUNS_PER_USER=3 across two instances admit exactly 3', async () => {
    const a = instance('a');
    const b = instance('b');
    const claims = Array.from({ length: 20 }, (_, i) => outcome((i % 2 ? a : b).registry.claim(`validate:${i}`, 'ann-20')));
    const results = await Promise.all(claims);
    const admitted = results.filter((r): r is LiveRunClaim => !(r instanceof AppError));
    const refused = results.filter((r): r is AppError => r instanceof AppError);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const error of refused) {
      expect(error.kind).toBe('too_many');
      expect(error.message).toMatch(/the limit per user \(MAX_LIVE_RUNS_PER_USER\)/);
    }
    // Nothing refused holds anything, here or in Redis.
    expect(a.registry.count() + b.registry.count()).toBe(3);
    // Another user is not affected.
    await expect(b.registry.claim('validate:other', 'bob-20')).resolves.toMatchObject({ userId: 'bob-20' });
    // One run ends: exactly one more is admitted, on either instance.
    await admitted[0].run(async () => undefined);
    const next = await Promise.all([outcome(a.registry.claim('validate:x', 'ann-20')), outcome(b.registry.claim('validate:y', 'ann-20'))]);
    expect(next.filter((r) => !(r instanceof AppError))).toHaveLength(1);
  });

  it('one key is held by one instance: concurrent claims of it on two instances admit one, the other gets the conflict message', async () => {
    const a = instance('a');
    const b = instance('b');
    const message = 'Conversation "c1" is still answering its previous message';
    const results = await Promise.all([
      outcome(a.registry.claim('completion:ann\nc1', 'ann-key', { conflictMessage: message })),
      outcome(b.registry.claim('completion:ann\nc1', 'ann-key', { conflictMessage: message })),
    ]);
    const winner = results.find((r): r is LiveRunClaim => !(r instanceof AppError));
    expect(winner).toBeDefined();
    expect(results.find((r) => r instanceof AppError)).toMatchObject({ kind: 'conflict', message });
    // Once the reply has ended (run resolves after the release reached Redis), the other instance takes it at once.
    await winner!.run(async () => undefined);
    const other = results[0] === winner ? b : a;
    await expect(other.registry.claim('completion:ann\nc1', 'ann-key', { conflictMessage: message })).resolves.toMatchObject({
      key: 'completion:ann\nc1',
    });
  });

  it('release() without running frees the key across the cluster', async () => {
    const a = instance('a');
    const b = instance('b');
    const claim = await a.registry.claim('run:1', 'ann-release');
    await expect(outcome(b.registry.claim('run:1', 'ann-release'))).resolves.toMatchObject({ kind: 'conflict' });
    claim.release();
    await until(async () => !((await outcome(b.registry.claim('run:1', 'ann-release'))) instanceof AppError), 2_000);
  });

  it('a live hold outlasts its lease while renewed, and lapses within the lease once its instance stops renewing', async () => {
    const leaseMs = 600;
    const a = instance('a', { leaseMs, maxLiveRunsPerUser: 1 });
    const b = instance('b', { leaseMs, maxLiveRunsPerUser: 1 });
    await a.registry.claim('run:lease', 'ann-lease');
    // Three leases later the hold is still there: a's one timer renewed it.
    const renewedUntil = Date.now() + 3 * leaseMs;
    await until(async () => Date.now() > renewedUntil, 4 * leaseMs);
    expect(await a.redis.pttl(`${prefix}live-run:run:lease`)).toBeGreaterThan(0);
    await expect(outcome(b.registry.claim('run:other', 'ann-lease'))).resolves.toMatchObject({
      kind: 'too_many',
      message: expect.stringContaining('across the cluster'),
    });
    // The instance "dies": it stops renewing without releasing.
    const died = Date.now();
    a.admission.close();
    await until(async () => !((await outcome(b.registry.claim('run:other', 'ann-lease'))) instanceof AppError), 3 * leaseMs);
    expect(Date.now() - died).toBeLessThan(leaseMs + 1_000);
    await expect(outcome(b.registry.claim('run:lease', 'ann-lease-2'))).resolves.toMatchObject({ key: 'run:lease' });
  });

  it('a claim of this instance’s own key whose release is still on its way takes it over; that release then leaves it alone', async () => {
    const a = instance('a', { maxLiveRunsPerUser: 1 });
    const b = instance('b', { maxLiveRunsPerUser: 1 });
    const first = await a.admission.admit({ key: 'ws-chat:s', userId: 'ann-own', maxLiveRunsPerUser: 1, conflictMessage: 'busy' });
    const second = await a.admission.admit({ key: 'ws-chat:s', userId: 'ann-own', maxLiveRunsPerUser: 1, conflictMessage: 'busy' });
    await first.release();
    await expect(outcome(b.registry.claim('ws-chat:s', 'ann-own', { conflictMessage: 'busy' }))).resolves.toMatchObject({ kind: 'conflict' });
    await expect(outcome(b.registry.claim('validate:z', 'ann-own'))).resolves.toMatchObject({ kind: 'too_many' });
    await second.release();
    await expect(b.registry.claim('ws-chat:s', 'ann-own')).resolves.toMatchObject({ key: 'ws-chat:s' });
  });

  it('Redis out of reach: the claim is refused with a clear unavailable error, quickly, and holds nothing here', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = instance('down', { url: `redis://127.0.0.1:${port}` });
    const started = Date.now();
    const refused = await outcome(down.registry.claim('run:9', 'ann-down'));
    expect(refused).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/^Cluster coordination \(Redis\) is unavailable/) });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(down.registry.count()).toBe(0);
    expect(down.registry.isLive('run:9')).toBe(false);
  });

  it('Redis that accepts the connection but never answers: the claim is refused after the bounded wait, never hangs', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const mute = instance('mute', { url: `redis://127.0.0.1:${port}` });
      const started = Date.now();
      const refused = await outcome(mute.registry.claim('run:10', 'ann-mute'));
      expect(refused).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('no answer to the admission within 1000 ms') });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(mute.registry.count()).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
