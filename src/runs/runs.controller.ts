import { Body, Controller, HttpCode, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { idParamSchema } from '../common/params.js';
import { userQuerySchema } from '../common/row.js';
import {
  type CreateRun,
  createdRunSchema,
  createRunSchema,
  type MessageDto,
  messageSchema,
  type RunDto,
  runSchema,
  type SessionRunsDto,
  sessionRunsSchema,
  toMessageDto,
  toRunDto,
} from './runs.dto.js';
import { RunsService } from './runs.service.js';

@ApiTags('runs')
@Controller('api/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(createdRunSchema) })
  async create(
    @Body({ schema: createRunSchema }) body: CreateRun,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<z.infer<typeof createdRunSchema>>> {
    const run = await this.runs.create(caller, body.session_id);
    return ok({ run_id: run.id }, 'Run created successfully');
  }

  @Get(':id')
  @ApiOkResponse({ standardSchema: envelopeOf(runSchema) })
  async get(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<RunDto>> {
    return ok(toRunDto(await this.runs.get(id, caller)));
  }

  @Get(':id/messages')
  @ApiOkResponse({ standardSchema: envelopeOf(z.array(messageSchema)) })
  async messages(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<MessageDto[]>> {
    return ok((await this.runs.messages(id, caller)).map(toMessageDto));
  }
}

/** `GET /api/sessions/{id}/runs` lives with runs so that sessions need not know about runs. */
@ApiTags('sessions')
@Controller('api/sessions')
export class SessionRunsController {
  constructor(private readonly runs: RunsService) {}

  @Get(':id/runs')
  @ApiOkResponse({ standardSchema: envelopeOf(sessionRunsSchema) })
  async list(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: userQuerySchema }) _q: unknown,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<SessionRunsDto>> {
    const runs = await this.runs.listForSession(id, caller);
    return ok({ runs: runs.map(({ run, messages }) => ({ ...toRunDto(run), messages: messages.map(toMessageDto) })) });
  }
}
