/**
 * `/ws/chat`: the plain-text chat socket (protocol §2.8). Each connection gets its own
 * ChatSocket; this class only checks the caller, turns raw frames into text and closes sockets
 * on shutdown.
 */
import type { IncomingMessage } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import WebSocket from 'ws';
import { CallerResolver } from '../auth/caller.resolver.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { UserEngineContexts } from '../live-runs/user-engine-context.js';
import { ObservedRuns } from '../observability/observed-runs.js';
import { traceFrame } from '../websocket/frame-span.js';
import { rawText } from '../websocket/raw-data.js';
import { socketRefusal } from '../websocket/socket-gate.js';
import { ChatSocket } from './chat-socket.js';
import { ChatTeams } from './chat-teams.js';

/** Plain-text tasks and answers are small; a frame over this closes the socket with 1009. */
export const CHAT_SOCKET_MAX_PAYLOAD = 1024 * 1024;

const CHAT_SOCKET_ROUTE = '/ws/chat';

@WebSocketGateway({ path: CHAT_SOCKET_ROUTE, maxPayload: CHAT_SOCKET_MAX_PAYLOAD })
export class ChatSocketGateway implements OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatSocketGateway.name);
  private readonly open = new Map<WebSocket, ChatSocket>();

  constructor(
    private readonly teams: ChatTeams,
    private readonly callers: CallerResolver,
    private readonly registry: LiveRunRegistry,
    private readonly contexts: UserEngineContexts,
    private readonly runs: ObservedRuns,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    // The socket gate refused a bad token at the upgrade (4001); this only reads who it names.
    let userId: string;
    try {
      userId = this.callers.socketCaller(request).userId;
    } catch (error) {
      const { code, reason } = socketRefusal(error);
      return socket.close(code, reason);
    }
    const channel = { send: (text: string) => socket.readyState === WebSocket.OPEN && socket.send(text) };
    const chat = new ChatSocket(
      channel,
      this.teams.socket,
      this.registry,
      this.runs,
      { userId, maxTaskChars: this.config.runs.maxTaskChars, context: () => this.contexts.forUser(userId) },
      this.logger,
    );
    this.open.set(socket, chat);
    // Each frame in its frame span: a task's run span is its child.
    socket.on('message', (data, isBinary) => {
      traceFrame(CHAT_SOCKET_ROUTE, async (span) => {
        const received = await chat.receive(isBinary ? { kind: 'binary' } : { kind: 'text', text: rawText(data) });
        span.type(received.type);
        if (received.refusal) span.fail(received.refusal);
      }).catch((error: unknown) => this.logger.error(`/ws/chat frame failed: ${String(error)}`));
    });
    socket.once('close', () => {
      this.open.delete(socket);
      chat.close();
    });
  }

  /**
   * The registry stops every run (each chat gets its `Stopped: Server shutdown` frame); then
   * the sockets are closed, since ws does not close its clients when the server closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.registry.shutdown();
    for (const socket of [...this.open.keys()]) socket.close(1001, 'Server shutdown');
  }
}
