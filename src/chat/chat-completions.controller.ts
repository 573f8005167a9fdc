import type { ServerResponse } from 'node:http';
import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { RequestWithCaller } from '../auth/caller.guard.js';
import { GUEST_USER_ID } from '../auth/caller.js';
import { chatCompletionBodySchema, type ChatCompletionBody } from './chat-completions.dto.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { NdjsonResponse } from './ndjson-response.js';

/** `POST /chat/completions` → `application/x-ndjson`, one `{"content": {type, message}}` per line. */
@ApiTags('chat')
@Controller('chat')
export class ChatCompletionsController {
  constructor(private readonly completions: ChatCompletionsService) {}

  @Post('completions')
  async complete(
    @Body({ schema: chatCompletionBodySchema }) body: ChatCompletionBody,
    @Req() request: RequestWithCaller,
    @Res() response: ServerResponse,
  ): Promise<void> {
    await this.completions.reply(body, request.caller?.userId ?? GUEST_USER_ID, new NdjsonResponse(response));
  }
}
