import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineContextLifecycle } from './engine-context.lifecycle.js';
import { engineContextProvider, ENGINE_CONTEXT } from './engine-context.provider.js';
import { SettingsModule } from '../settings/settings.module.js';
import { UserEngineContexts } from './user-engine-context.js';
import { LIVE_RUN_OPTIONS, LiveRunRegistry, type LiveRunOptions } from './live-run-registry.js';
import { LocalAdmission, RUN_ADMISSION, type RunAdmission } from './run-admission.js';
import { RedisConnections } from '../cluster/redis-connections.js';
import { RedisAdmission } from '../cluster/redis-admission.js';

/**
 * What every front end that runs a team shares, one per process: the engine's load context
 * (tools, TOOLS_DIR, credentials) and the live-run registry (slots, stop, shutdown), which admits
 * runs across the cluster through Redis in cluster mode (RedisConnections exists only then).
 */
@Module({
  imports: [SettingsModule],
  providers: [
    UserEngineContexts,
    engineContextProvider,
    {
      provide: LIVE_RUN_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: ({ runs }: AppConfig): LiveRunOptions => ({
        maxLiveRuns: runs.maxLiveRuns,
        maxLiveRunsPerUser: runs.maxLiveRunsPerUser,
        limits: { inputTimeoutS: runs.inputTimeoutS, maxTurns: runs.maxTurns, maxSeconds: runs.maxSeconds },
      }),
    },
    {
      provide: RUN_ADMISSION,
      inject: [APP_CONFIG, { token: RedisConnections, optional: true }],
      useFactory: ({ cluster }: AppConfig, redis?: RedisConnections): RunAdmission => {
        if (cluster.mode !== 'redis') return new LocalAdmission();
        if (!redis) throw new Error('CLUSTER=redis but no RedisConnections: ClusterModule.forRoot is missing');
        return new RedisAdmission({
          redis: redis.commands,
          key: (...parts) => redis.key(...parts),
          instanceId: redis.instanceId,
          leaseMs: cluster.leaseS * 1000,
        });
      },
    },
    LiveRunRegistry,
    EngineContextLifecycle,
  ],
  exports: [ENGINE_CONTEXT, LiveRunRegistry, UserEngineContexts],
})
export class LiveRunsModule {}
