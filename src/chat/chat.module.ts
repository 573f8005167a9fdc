import { Module } from '@nestjs/common';
import { StreamingModule } from '../runs/streaming.module.js';
import { ChatCompletionsController } from './chat-completions.controller.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { ChatSocketGateway } from './chat-socket.gateway.js';
import { ChatTeams } from './chat-teams.js';
import { ConversationStore } from './conversation-store.js';

/** The seeds' simpler clients (protocol §2.8): the plain-text socket and streaming chat completions. */
@Module({
  // The engine context (tools, TOOLS_DIR) and the live-run slots are the streaming layer's: one of each per process.
  imports: [StreamingModule],
  controllers: [ChatCompletionsController],
  providers: [ChatTeams, ConversationStore, ChatCompletionsService, ChatSocketGateway],
})
export class ChatModule {}
