import { Module } from '@nestjs/common';
import { SettingsController } from './settings.controller.js';
import { SecretsKeyCheck } from './secrets-key.check.js';
import { SettingsService } from './settings.service.js';

@Module({ controllers: [SettingsController], providers: [SettingsService, SecretsKeyCheck], exports: [SettingsService] })
export class SettingsModule {}
