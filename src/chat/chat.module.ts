import { Module } from '@nestjs/common';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { ChatCompletionsController } from './chat-completions.controller.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { ChatSocketGateway } from './chat-socket.gateway.js';
import { ChatTeams } from './chat-teams.js';
import { ConversationStore } from './conversation-store.js';

/** The seeds' simpler clients (protocol §2.8): the plain-text socket and streaming chat completions. */
@Module({
  // The engine context and the live-run registry: one of each per process, shared with every front end.
  imports: [LiveRunsModule],
  controllers: [ChatCompletionsController],
  providers: [ChatTeams, ConversationStore, ChatCompletionsService, ChatSocketGateway],
})
export class ChatModule {}
