import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EngineContextLifecycle } from './engine-context.lifecycle.js';
import { engineContextProvider, ENGINE_CONTEXT } from './engine-context.provider.js';
import { SettingsModule } from '../settings/settings.module.js';
import { UserEngineContexts } from './user-engine-context.js';
import { LIVE_RUN_OPTIONS, LiveRunRegistry, type LiveRunOptions } from './live-run-registry.js';

/**
 * What every front end that runs a team shares, one per process: the engine's load context
 * (tools, TOOLS_DIR, credentials) and the live-run registry (slots, stop, shutdown).
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
    LiveRunRegistry,
    EngineContextLifecycle,
  ],
  exports: [ENGINE_CONTEXT, LiveRunRegistry, UserEngineContexts],
})
export class LiveRunsModule {}
