import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { RunsController, SessionRunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';

/** REST for runs, and RunsService for whoever drives runs (the WebSocket layer). */
@Module({ imports: [SessionsModule], controllers: [RunsController, SessionRunsController], providers: [RunsService], exports: [RunsService] })
export class RunsModule {}
