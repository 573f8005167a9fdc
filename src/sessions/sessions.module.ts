import { Module } from '@nestjs/common';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { TeamsModule } from '../teams/teams.module.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Module({ imports: [TeamsModule, LiveRunsModule], controllers: [SessionsController], providers: [SessionsService], exports: [SessionsService] })
export class SessionsModule {}
