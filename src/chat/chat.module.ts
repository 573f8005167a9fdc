import { Module } from '@nestjs/common';
import { engineContextProvider } from '../runs/engine-context.provider.js';
import { ChatCompletionsController } from './chat-completions.controller.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { ChatSocketGateway } from './chat-socket.gateway.js';
import { ChatTeams } from './chat-teams.js';
import { ConversationStore } from './conversation-store.js';

/** The seeds' simpler clients (protocol §2.8): the plain-text socket and streaming chat completions. */
@Module({
  controllers: [ChatCompletionsController],
  providers: [engineContextProvider, ChatTeams, ConversationStore, ChatCompletionsService, ChatSocketGateway],
})
export class ChatModule {}
