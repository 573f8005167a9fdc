/**
 * RunCommands against a real Redis (skipped, visibly, without one; a failure under CI): a command
 * reaches the owner's handler in the caller's trace, the owner's refusal comes back as the same
 * AppError, and an owner that does not answer is a clear `unavailable` after the timeout.
 */
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../common/errors.js';
import type { AppConfig } from '../config/config.js';
import type { DatabaseService } from '../database/database.service.js';
import { dropKeys, findRedis, uniqueKeyPrefix } from '../../test/support/redis.js';
import { RedisConnections } from './redis-connections.js';
import { RunCommands, type RunCommand } from './run-commands.js';

const redisUrl = await findRedis();

describe.skipIf(!redisUrl)('RunCommands (Redis)', () => {
  const prefix = uniqueKeyPrefix();
  const all: { redis: RedisConnections; commands: RunCommands }[] = [];
  // `send` needs no database (only `forward` looks the owner up).
  const noDatabase = {} as DatabaseService;

  const instance = async (instanceId: string, timeoutMs = 5_000) => {
    const config = { cluster: { mode: 'redis', redisUrl, keyPrefix: prefix, leaseS: 3, instanceId } } as AppConfig;
    const redis = new RedisConnections(config);
    const commands = new RunCommands(redis, noDatabase, timeoutMs);
    await commands.onModuleInit();
    all.push({ redis, commands });
    return commands;
  };

  beforeAll(() => {
    // The async context manager and the W3C propagator, as the service's tracing sets them up.
    new NodeTracerProvider().register();
  });
  afterAll(async () => {
    for (const { redis, commands } of all) {
      await commands.onApplicationShutdown();
      await redis.onApplicationShutdown();
    }
    trace.disable();
    context.disable();
    propagation.disable();
    await dropKeys(redisUrl!, prefix);
  });

  it("carries a command to the owner's handler, inside the caller's trace, and brings back its refusal", async () => {
    const caller = await instance('a');
    const owner = await instance('b');
    const seen: { command: RunCommand; traceId: string | undefined }[] = [];
    owner.serve(async (command) => {
      seen.push({ command, traceId: trace.getActiveSpan()?.spanContext().traceId });
      if (command.kind === 'input') throw new AppError('conflict', `Run ${command.runId} is not waiting for any input request`);
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = trace.setSpanContext(context.active(), { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
    await context.with(parent, () => caller.send('b', { kind: 'stop', runId: 7, reason: 'Enough' }));
    expect(seen).toEqual([{ command: { kind: 'stop', runId: 7, reason: 'Enough' }, traceId }]);

    const refused = caller.send('b', { kind: 'input', runId: 7, response: 'yes' });
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ kind: 'conflict', message: 'Run 7 is not waiting for any input request' });
  });

  it('an owner that does not answer is `unavailable` after the timeout, naming it', async () => {
    const caller = await instance('c', 300);
    await expect(caller.send('gone', { kind: 'stop', runId: 9, reason: 'x' })).rejects.toMatchObject({
      kind: 'unavailable',
      message: 'Instance gone, which runs run 9, did not answer within 0.3 s',
    });
  });
});
