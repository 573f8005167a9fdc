import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { ReadinessService } from './readiness.js';
import { ShutdownState } from './shutdown-state.js';

@Module({ controllers: [HealthController], providers: [ShutdownState, ReadinessService], exports: [ShutdownState] })
export class HealthModule {}
