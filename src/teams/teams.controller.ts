import { Body, Controller, HttpCode, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { idParamSchema } from '../common/params.js';
import { userQuerySchema } from '../common/row.js';
import { type TeamDto, teamSchema, toTeamDto, type UpsertTeam, upsertTeamSchema } from './teams.dto.js';
import { TeamsService } from './teams.service.js';

@ApiTags('teams')
@Controller('api/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Get()
  @ApiOkResponse({ standardSchema: envelopeOf(z.array(teamSchema)) })
  async list(@Query({ schema: userQuerySchema }) _q: unknown, @CurrentUser() caller: Caller): Promise<Envelope<TeamDto[]>> {
    return ok((await this.teams.list(caller)).map(toTeamDto));
  }

  @Get(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(teamSchema) })
  async get(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<TeamDto>> {
    return ok(toTeamDto(await this.teams.get(id, caller)));
  }

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(teamSchema) })
  async upsert(@Body({ schema: upsertTeamSchema }) body: UpsertTeam, @CurrentUser() caller: Caller): Promise<Envelope<TeamDto>> {
    return ok(toTeamDto(await this.teams.upsert(caller, body)), 'Team saved');
  }

  @Delete(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(z.null()) })
  async delete(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<null>> {
    await this.teams.delete(id, caller);
    return ok(null, 'Team deleted successfully');
  }
}
