/**
 * `/ws/chat`: the plain-text chat socket (protocol §2.8). Each connection gets its own
 * ChatSocket; this class only turns raw frames into text and closes sockets on shutdown.
 */
import { type BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import WebSocket, { type RawData } from 'ws';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ChatSocket } from './chat-socket.js';
import { ChatTeams } from './chat-teams.js';

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

@WebSocketGateway({ path: '/ws/chat' })
export class ChatSocketGateway implements OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatSocketGateway.name);
  private readonly open = new Map<WebSocket, ChatSocket>();

  constructor(
    private readonly teams: ChatTeams,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  handleConnection(socket: WebSocket): void {
    const channel = { send: (text: string) => socket.readyState === WebSocket.OPEN && socket.send(text) };
    const chat = new ChatSocket(channel, this.teams.socket, { inputTimeoutS: this.config.runs.inputTimeoutS }, this.logger);
    this.open.set(socket, chat);
    socket.on('message', (data, isBinary) => chat.receive(isBinary ? { kind: 'binary' } : { kind: 'text', text: rawText(data) }));
    socket.once('close', () => {
      this.open.delete(socket);
      chat.close();
    });
  }

  /** ws does not close its clients when the server closes, so a live run would outlive the app. */
  async beforeApplicationShutdown(): Promise<void> {
    const chats = [...this.open];
    for (const [socket, chat] of chats) {
      chat.close('Server shutdown');
      socket.close(1001, 'Server shutdown');
    }
    await Promise.all(chats.map(([, chat]) => chat.settled()));
  }
}
