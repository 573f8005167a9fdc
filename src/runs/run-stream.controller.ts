/**
 * The REST side of a live run (protocol §2.2–2.4): stop it, answer its input request, read its
 * frames as JSON, or follow them as Server-Sent Events. Each route checks the run is the
 * caller's, then makes one call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Body, Controller, Get, Headers, HttpCode, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { type Envelope, envelopeOf, ok } from '../common/envelope.js';
import { AppError } from '../common/errors.js';
import { idParamSchema, MAX_ROW_ID, parseSeq, seqParamSchema } from '../common/params.js';
import { SseViewer } from './sse-viewer.js';
import { WebSocketManager } from './websocket-manager.js';
import { DEFAULT_STOP_REASON } from './ws-frames.js';
import { RunsService } from './runs.service.js';
import { runLine } from '../observability/run-log.js';

const eventsQuerySchema = z.looseObject({ after: seqParamSchema.optional() });
const stopBodySchema = z.looseObject({ reason: z.string().trim().min(1).max(1000).optional() });
const inputBodySchema = z.looseObject({ response: z.string(), request_id: z.string().min(1).optional() });
const frameSchema = z.looseObject({ type: z.string(), run_id: z.number().int(), seq: z.number().int() });

@ApiTags('runs')
@Controller('api/runs')
export class RunStreamController {
  private readonly logger = new Logger(RunStreamController.name);

  constructor(
    private readonly runs: RunsService,
    private readonly manager: WebSocketManager,
  ) {}

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(z.object({ run_id: z.number(), status: z.string() })) })
  async stop(
    @Param('id', { schema: idParamSchema }) id: number,
    @Body({ schema: stopBodySchema }) body: z.infer<typeof stopBodySchema>,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<{ run_id: number; status: string }>> {
    await this.runs.get(id, caller);
    await this.manager.stop(id, body.reason ?? DEFAULT_STOP_REASON);
    return ok({ run_id: id, status: (await this.runs.get(id, caller)).status }, 'Run stopped');
  }

  @Post(':id/input')
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: envelopeOf(z.object({ run_id: z.number() })) })
  async input(
    @Param('id', { schema: idParamSchema }) id: number,
    @Body({ schema: inputBodySchema }) body: z.infer<typeof inputBodySchema>,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<{ run_id: number }>> {
    await this.runs.get(id, caller);
    await this.manager.respond(id, body.response, body.request_id);
    return ok({ run_id: id }, 'Input delivered');
  }

  @Get(':id/events')
  @ApiOkResponse({ standardSchema: envelopeOf(z.array(frameSchema)) })
  async events(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: eventsQuerySchema }) query: z.infer<typeof eventsQuerySchema>,
    @CurrentUser() caller: Caller,
  ): Promise<Envelope<unknown[]>> {
    await this.runs.get(id, caller);
    return ok(await this.manager.framesAfter(id, query.after ?? 0));
  }

  /**
   * Server-Sent Events: `id:` is the frame's seq, so a browser resumes with Last-Event-ID.
   * The cleanup is registered before the first await: a client that leaves while the run is
   * looked up or replayed is detached all the same (never a subscriber writing to nobody).
   */
  @Get(':id/stream')
  async stream(
    @Param('id', { schema: idParamSchema }) id: number,
    @Query({ schema: eventsQuerySchema }) query: z.infer<typeof eventsQuerySchema>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentUser() caller: Caller,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    let gone = request.socket.destroyed || response.destroyed;
    let viewer: SseViewer | undefined;
    let detach: (() => void) | undefined;
    response.once('close', () => {
      gone = true;
      detach?.();
      viewer?.close();
    });
    const resumeFrom = lastEventId === undefined ? (query.after ?? 0) : parseSeq(lastEventId.trim());
    if (resumeFrom === null) throw new AppError('bad_request', `Last-Event-ID: must be a whole number up to ${MAX_ROW_ID}`);
    await this.runs.get(id, caller);
    if (gone) return;
    viewer = new SseViewer(response);
    try {
      detach = await this.manager.attach(id, viewer, resumeFrom);
    } catch (error) {
      // The 200 and its headers are out: all that is left is to end the stream (and say why in the log).
      this.logger.error(runLine(id, `SSE replay failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
      viewer.close();
      return;
    }
    if (gone) detach();
  }
}
