import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { userQuerySchema } from '../common/row.js';
import { type PutSettings, putSettingsSchema, type SettingsDto, settingsSchema, toSettingsDto } from './settings.dto.js';
import { SettingsService } from './settings.service.js';

@ApiTags('settings')
@Controller('api/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOkResponse({ standardSchema: envelopeOf(settingsSchema) })
  async get(@Query({ schema: userQuerySchema }) _q: unknown, @CurrentUser() caller: Caller): Promise<Envelope<SettingsDto>> {
    return ok(toSettingsDto(await this.settings.get(caller)));
  }

  @Put()
  @ApiOkResponse({ standardSchema: envelopeOf(settingsSchema) })
  async put(@Body({ schema: putSettingsSchema }) body: PutSettings, @CurrentUser() caller: Caller): Promise<Envelope<SettingsDto>> {
    return ok(toSettingsDto(await this.settings.put(caller, body.config)), 'Settings updated successfully');
  }
}
