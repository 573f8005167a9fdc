import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../../test/support/redis.js';
import { TooManyRequestsError } from '../common/errors.js';
import { RateLimiter } from './rate-limiter.js';

async function refusal(hit: Promise<void>): Promise<TooManyRequestsError> {
  try {
    await hit;
  } catch (error) {
    if (error instanceof TooManyRequestsError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe(`${RateLimiter.name} in one process (memory)`, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows the limit per key per minute, then refuses with the seconds left', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const limiter = new RateLimiter(3);
    for (let i = 0; i < 3; i++) await limiter.hit('a');
    vi.setSystemTime(1_015_000);
    expect(await refusal(limiter.hit('a'))).toMatchObject({ retryAfterS: 45, limitPerMinute: 3, kind: 'too_many' });
    await expect(limiter.hit('b')).resolves.toBeUndefined();
  });

  it('starts a fresh window once the minute is over', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    const limiter = new RateLimiter(1);
    await limiter.hit('a');
    await expect(limiter.hit('a')).rejects.toThrow(TooManyRequestsError);
    vi.setSystemTime(60_001);
    await expect(limiter.hit('a')).resolves.toBeUndefined();
  });

  it('never refuses when the limit is 0', async () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1_000; i++) await limiter.hit('a');
  });
});

const redisUrl = await findRedis();
const prefix = uniqueKeyPrefix();

describe.skipIf(!redisUrl)(`${RateLimiter.name} across instances (Redis)`, () => {
  const connections: Redis[] = [];
  const connect = (url = redisUrl!) => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  };
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    if (redisUrl) await dropKeys(redisUrl, prefix);
  });

  it('counts one key across two instances: the limit spent half on each, the next request is refused on either', async () => {
    const [ra, rb] = [connect(), connect()];
    // Until a connection is ready the limiter answers from memory (rejectIfRedisNotReady), as in a starting app.
    await Promise.all([ra.ping(), rb.ping()]);
    const a = new RateLimiter(4, { redis: ra, keyPrefix: `${prefix}rate-limit` });
    const b = new RateLimiter(4, { redis: rb, keyPrefix: `${prefix}rate-limit` });
    await a.hit('user:ann');
    await a.hit('user:ann');
    await b.hit('user:ann');
    await b.hit('user:ann');
    const refused = await refusal(b.hit('user:ann'));
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterS).toBeLessThanOrEqual(60);
    await expect(a.hit('user:ann')).rejects.toThrow(TooManyRequestsError);
    await expect(a.hit('user:bob')).resolves.toBeUndefined();
    expect(Number(await ra.get(`${prefix}rate-limit:user:ann`))).toBe(6);
  });

  it('with Redis out of reach, each instance limits from its own memory (insurance), answering quickly', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const limiter = new RateLimiter(2, { redis: connect(`redis://127.0.0.1:${port}`), keyPrefix: `${prefix}rate-limit` });
    const started = Date.now();
    await limiter.hit('user:cat');
    await limiter.hit('user:cat');
    await expect(limiter.hit('user:cat')).rejects.toThrow(TooManyRequestsError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
