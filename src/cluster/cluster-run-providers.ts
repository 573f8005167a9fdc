/**
 * The run pipeline's providers that depend on CLUSTER: the run bus (in-process, or RedisRunBus),
 * the owner recorded when a run is activated, run commands between instances, and the instance
 * lease with its reaper. With CLUSTER=off the bus is the in-process one and the others are null
 * (nothing opens a Redis connection or touches `cluster_instances`). Nest calls the lifecycle hooks
 * of the instances these factories return.
 */
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DatabaseService } from '../database/database.service.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { InProcessRunBus, RunBus } from '../runs/run-bus.js';
import { RUN_OWNER, RunJournal } from '../runs/run-journal.js';
import { INSTANCE_LOST_REASON } from '../runs/run-recovery.js';
import { WebSocketManager } from '../runs/websocket-manager.js';
import { InstanceLease } from './instance-lease.js';
import { RedisConnections } from './redis-connections.js';
import { RedisRunBus, streamMaxLen } from './redis-run-bus.js';
import { RunCommands } from './run-commands.js';

const redisOf = (redis: RedisConnections | undefined): RedisConnections => {
  if (!redis) throw new Error('CLUSTER=redis but no RedisConnections is provided (ClusterModule.forRoot)');
  return redis;
};

export const clusterRunProviders: Provider[] = [
  {
    provide: RunBus,
    inject: [APP_CONFIG, RunJournal, { token: RedisConnections, optional: true }],
    useFactory: (config: AppConfig, journal: RunJournal, redis?: RedisConnections): RunBus =>
      config.cluster.mode === 'redis' ? new RedisRunBus(redisOf(redis), journal, streamMaxLen(config.runs.chunkFlushMax)) : new InProcessRunBus(),
  },
  {
    provide: RUN_OWNER,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig): string | null => (config.cluster.mode === 'redis' ? config.cluster.instanceId : null),
  },
  {
    provide: RunCommands,
    inject: [APP_CONFIG, DatabaseService, { token: RedisConnections, optional: true }],
    useFactory: (config: AppConfig, db: DatabaseService, redis?: RedisConnections): RunCommands | null =>
      config.cluster.mode === 'redis' ? new RunCommands(redisOf(redis), db) : null,
  },
  {
    provide: InstanceLease,
    inject: [APP_CONFIG, DatabaseService, RunJournal, RunBus, LiveRunRegistry, WebSocketManager],
    useFactory: (
      config: AppConfig,
      db: DatabaseService,
      journal: RunJournal,
      bus: RunBus,
      registry: LiveRunRegistry,
      manager: WebSocketManager,
    ): InstanceLease | null =>
      config.cluster.mode === 'redis'
        ? new InstanceLease(db, journal, bus, registry, config.cluster.instanceId, config.cluster.leaseS, () =>
            manager.cancelRunsEndedElsewhere(INSTANCE_LOST_REASON),
          )
        : null,
  },
];
