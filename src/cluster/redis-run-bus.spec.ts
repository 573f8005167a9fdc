/**
 * RedisRunBus against a real Redis (skipped, visibly, without one; a failure under CI): two buses
 * stand for two instances. Frames published on one reach a subscriber on the other in seq order,
 * once; the stream keeps them under `0-<seq>` for a joining viewer; a hole is filled from the
 * journal; while Redis cannot be reached, a watched run is followed from the journal; a run whose
 * stream went silent because it was ended without one is found ended in the journal.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/config.js';
import { MemoryRunJournal } from '../runs/memory-run-journal.js';
import type { RunFrame } from '../runs/ws-frames.js';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../../test/support/redis.js';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy.js';
import { RedisConnections } from './redis-connections.js';
import { RedisRunBus, STREAM_TTL_S, streamMaxLen } from './redis-run-bus.js';

const redisUrl = await findRedis();

const chunk = (runId: number, seq: number): RunFrame =>
  ({ type: 'message_chunk', run_id: runId, seq, data: { content: `c${seq}`, full_message_id: 'm' } }) as unknown as RunFrame;
const end = (runId: number, seq: number): RunFrame =>
  ({ type: 'result', run_id: runId, seq, status: 'complete', data: { task_result: { messages: [], stop_reason: null } } }) as unknown as RunFrame;

function connections(url: string, prefix: string, instanceId: string): RedisConnections {
  const config = { cluster: { mode: 'redis', redisUrl: url, keyPrefix: prefix, leaseS: 3, instanceId } } as AppConfig;
  return new RedisConnections(config);
}

/** Collects what a subscriber gets; `until` waits (with a deadline) for a condition on it. */
function collector() {
  const got: RunFrame[] = [];
  const listener = (frame: RunFrame) => void got.push(frame);
  const until = async (test: (frames: RunFrame[]) => boolean, timeoutMs = 8_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!test(got)) {
      if (Date.now() > deadline) throw new Error(`timed out; got seqs ${got.map((f) => f.seq).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { got, listener, until };
}

describe.skipIf(!redisUrl)('RedisRunBus (Redis)', () => {
  const prefix = uniqueKeyPrefix();
  const open: { close(): Promise<void> }[] = [];
  let proxy: TcpProxy;

  const instance = (id: string, url = redisUrl!) => {
    const redis = connections(url, prefix, id);
    const journal = new MemoryRunJournal();
    const bus = new RedisRunBus(redis, journal, streamMaxLen(64));
    open.push({
      close: async () => {
        await bus.onApplicationShutdown();
        await redis.onApplicationShutdown();
      },
    });
    return { redis, journal, bus };
  };

  beforeAll(async () => {
    const target = new URL(redisUrl!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  });
  afterEach(async () => {
    proxy.restore();
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  afterAll(async () => {
    await proxy?.close();
    await dropKeys(redisUrl!, prefix);
  });

  it('the owner delivers locally at once and appends under 0-<seq>; the terminal frame gives the stream its expiry', async () => {
    const { bus, redis } = instance('a');
    const local = collector();
    bus.subscribe(1, local.listener);
    for (let seq = 1; seq <= 3; seq++) bus.publish(chunk(1, seq));
    expect(local.got.map((f) => f.seq)).toEqual([1, 2, 3]);
    bus.publish(end(1, 4));
    const key = redis.key('run', 1, 'frames');
    await expect.poll(() => redis.commands.xlen(key)).toBe(4);
    expect((await redis.commands.xrange(key, '-', '+')).map(([id]) => id)).toEqual(['0-1', '0-2', '0-3', '0-4']);
    const ttl = await redis.commands.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(STREAM_TTL_S);
    expect((await bus.recentFrames(1, 2)).map((f) => f.seq)).toEqual([3, 4]);
  });

  it('a viewer on another instance gets every frame once, in seq order, also those sent before it subscribed', async () => {
    const owner = instance('a');
    const other = instance('b');
    for (let seq = 1; seq <= 5; seq++) owner.bus.publish(chunk(2, seq));
    await expect.poll(() => owner.redis.commands.xlen(owner.redis.key('run', 2, 'frames'))).toBe(5);
    const viewer = collector();
    other.bus.subscribe(2, viewer.listener);
    for (let seq = 6; seq <= 40; seq++) owner.bus.publish(chunk(2, seq));
    owner.bus.publish(end(2, 41));
    await viewer.until((got) => got.at(-1)?.seq === 41);
    expect(viewer.got.map((f) => f.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    // A second viewer of the same run on that instance, joining now, gets only what comes next (its replay does the rest).
    expect((await other.bus.recentFrames(2, 38)).map((f) => f.seq)).toEqual([39, 40, 41]);
  });

  it('a hole in the stream is filled from the journal', async () => {
    const owner = instance('a');
    const other = instance('b');
    const viewer = collector();
    other.bus.subscribe(3, viewer.listener);
    owner.bus.publish(chunk(3, 1));
    await viewer.until((got) => got.length === 1);
    // Seqs 2 and 3 are stored but never reached the stream (an append that failed).
    other.journal.create(3);
    await other.journal.write({ id: 3, sessionId: 1, userId: 'u' }, { frames: [chunk(3, 1), chunk(3, 2), chunk(3, 3)] });
    await owner.redis.commands.xadd(owner.redis.key('run', 3, 'frames'), '0-4', 'f', JSON.stringify(chunk(3, 4)));
    await viewer.until((got) => got.at(-1)?.seq === 4);
    expect(viewer.got.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
  });

  it('while Redis cannot be reached, a watched run is followed from the journal to its end', async () => {
    const owner = instance('a');
    const other = instance('b', `redis://127.0.0.1:${proxy.port}`);
    const viewer = collector();
    other.bus.subscribe(4, viewer.listener);
    owner.bus.publish(chunk(4, 1));
    await viewer.until((got) => got.length === 1);
    proxy.cut();
    // The run goes on; its frames reach the journal (here: the viewer instance's view of the shared log).
    other.journal.create(4);
    await other.journal.write({ id: 4, sessionId: 1, userId: 'u' }, { frames: [chunk(4, 1), chunk(4, 2), end(4, 3)] });
    owner.bus.publish(chunk(4, 2));
    owner.bus.publish(end(4, 3));
    await viewer.until((got) => got.at(-1)?.seq === 3, 15_000);
    expect(viewer.got.map((f) => f.seq)).toEqual([1, 2, 3]);
  }, 20_000);

  it('a run ended by an instance that could not append (its end only in the journal) still reaches a viewer elsewhere, and its stream expires', async () => {
    const owner = instance('a');
    const other = instance('b');
    const viewer = collector();
    other.bus.subscribe(5, viewer.listener);
    owner.bus.publish(chunk(5, 1));
    await viewer.until((got) => got.length === 1);
    // A reaper cut off from Redis ends the run: the journal has its terminal frame, the stream never will.
    other.journal.create(5);
    const finish = { status: 'error', team_result: null, stop_reason: 'Instance lost', error_message: 'Instance lost' } as const;
    await other.journal.write({ id: 5, sessionId: 1, userId: 'u' }, { frames: [chunk(5, 1), end(5, 2)], finish: finish as never });
    await viewer.until((got) => got.at(-1)?.seq === 2, 10_000);
    expect(viewer.got.map((f) => f.seq)).toEqual([1, 2]);
    await expect.poll(() => owner.redis.commands.ttl(owner.redis.key('run', 5, 'frames'))).toBeGreaterThan(0);
  }, 20_000);
});
