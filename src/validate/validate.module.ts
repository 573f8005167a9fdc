import { Module } from '@nestjs/common';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { ValidateController } from './validate.controller.js';
import { ValidateService } from './validate.service.js';

/** Component validation for AGS's team builder. */
@Module({ imports: [LiveRunsModule], controllers: [ValidateController], providers: [ValidateService] })
export class ValidateModule {}
