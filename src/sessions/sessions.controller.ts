import { Body, Controller, HttpCode, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { idParamSchema } from '../common/params.js';
import { userQuerySchema } from '../common/row.js';
import {
  type CreateSession,
  createSessionSchema,
  type SessionDto,
  sessionSchema,
  toSessionDto,
  type UpdateSession,
  updateSessionSchema,
} from './sessions.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@Controller('api/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOkResponse({ standardSchema: envelopeOf(z.array(sessionSchema)) })
  async list(@Query({ schema: userQuerySchema }) _q: unknown, @CurrentUser() caller: Caller): Promise<Envelope<SessionDto[]>> {
    return ok((await this.sessions.list(caller)).map(toSessionDto));
  }

  @Get(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(sessionSchema) })
  async get(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<SessionDto>> {
    return ok(toSessionDto(await this.sessions.get(id, caller)));
  }

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(sessionSchema) })
  async create(@Body({ schema: createSessionSchema }) body: CreateSession, @CurrentUser() caller: Caller): Promise<Envelope<SessionDto>> {
    return ok(toSessionDto(await this.sessions.create(caller, body)), 'Session created successfully');
  }

  @Put(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(sessionSchema) })
  async update(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @Body({ schema: updateSessionSchema }) body: UpdateSession,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<SessionDto>> {
    return ok(toSessionDto(await this.sessions.update(id, caller, body)), 'Session updated successfully');
  }

  @Delete(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(z.null()) })
  async delete(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<null>> {
    await this.sessions.delete(id, caller);
    return ok(null, 'Session deleted successfully');
  }
}
