import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TeamsModule } from '../teams/teams.module.js';
import { RunsModule } from './runs.module.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ENGINE_CONTEXT, engineContextProvider } from './engine-context.provider.js';
import { InProcessRunBus, RunBus } from './run-bus.js';
import { RunJournal } from './run-journal.js';
import { RunRecovery } from './run-recovery.js';
import { RunSlots } from './run-slots.js';
import { RunStarter } from './run-starter.js';
import { RunStreamController } from './run-stream.controller.js';
import { RunsGateway } from './runs.gateway.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { TeamManager } from './team-manager.js';
import { TypeOrmRunJournal } from './typeorm-run-journal.js';
import { WebSocketManager } from './websocket-manager.js';

/** Running teams and streaming their runs: the socket, the manager, the journal, the REST extras. */
@Module({
  imports: [RunsModule, SessionsModule, TeamsModule],
  controllers: [RunStreamController],
  providers: [
    engineContextProvider,
    { provide: RunJournal, useClass: TypeOrmRunJournal },
    { provide: RunBus, useClass: InProcessRunBus },
    {
      provide: STREAMING_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): StreamingOptions => config.runs,
    },
    TeamManager,
    WebSocketManager,
    RunStarter,
    RunSlots,
    RunRecovery,
    RunsGateway,
  ],
  exports: [WebSocketManager, TeamManager, RunSlots, ENGINE_CONTEXT],
})
export class StreamingModule {}
