import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TeamsModule } from '../teams/teams.module.js';
import { RunsModule } from './runs.module.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { SettingsModule } from '../settings/settings.module.js';
import { clusterRunProviders } from '../cluster/cluster-run-providers.js';
import { RunJournal } from './run-journal.js';
import { RunRecovery } from './run-recovery.js';
import { RunStarter } from './run-starter.js';
import { RunStreamController } from './run-stream.controller.js';
import { RunsGateway } from './runs.gateway.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { ModelCostsModule } from './model-costs.js';
import { TeamManager } from './team-manager.js';
import { TypeOrmRunJournal } from './typeorm-run-journal.js';
import { WebSocketManager } from './websocket-manager.js';

/** The run socket and its REST extras: the gateway, the manager, the journal, replay, stop and input. */
@Module({
  imports: [RunsModule, SessionsModule, TeamsModule, LiveRunsModule, SettingsModule, ModelCostsModule],
  controllers: [RunStreamController],
  providers: [
    { provide: RunJournal, useClass: TypeOrmRunJournal },
    ...clusterRunProviders,
    {
      provide: STREAMING_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): StreamingOptions => config.runs,
    },
    TeamManager,
    WebSocketManager,
    RunStarter,
    RunRecovery,
    RunsGateway,
  ],
})
export class StreamingModule {}
