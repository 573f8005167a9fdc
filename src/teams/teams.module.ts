import { Module } from '@nestjs/common';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { TeamsController } from './teams.controller.js';
import { TeamsService } from './teams.service.js';

@Module({ imports: [LiveRunsModule], controllers: [TeamsController], providers: [TeamsService], exports: [TeamsService] })
export class TeamsModule {}
