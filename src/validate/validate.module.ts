import { Module } from '@nestjs/common';
import { StreamingModule } from '../runs/streaming.module.js';
import { ValidateController } from './validate.controller.js';
import { ValidateService } from './validate.service.js';

/** Component validation for AGS's team builder. */
@Module({ imports: [StreamingModule], controllers: [ValidateController], providers: [ValidateService] })
export class ValidateModule {}
