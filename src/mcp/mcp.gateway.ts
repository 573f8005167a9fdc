/**
 * `/api/mcp/ws/:session_id`: the socket of an AGS MCP playground session (AGS `web/routes/mcp.py`,
 * `mcp_websocket`). The socket gate has already checked the origin, the token (AUTH_TYPE=jwt) and
 * the connection caps at the upgrade; here the session is claimed for the caller, who must be the
 * user who made it under AUTH_TYPE=jwt (with auth off sockets carry no user, as run sockets): an unknown, expired, used or another user's session closes with 4004
 * `Unknown or expired session`, as AGS closes an unknown one. Closing the socket ends the session
 * and its MCP connection (a stdio server's process exits).
 */
import type { IncomingMessage } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import WebSocket from 'ws';
import { CallerResolver } from '../auth/caller.resolver.js';
import { traceFrame } from '../websocket/frame-span.js';
import { rawText } from '../websocket/raw-data.js';
import { socketRefusal } from '../websocket/socket-gate.js';
import { McpBridge } from './mcp-bridge.js';
import { McpSessions } from './mcp-sessions.js';

/** The socket's route, as its frame spans name it (never the session id: it is the session's capability). */
const MCP_SOCKET_ROUTE = '/api/mcp/ws/:session_id';

/** AGS's close code and reason for a session it does not know. */
const UNKNOWN_SESSION = { code: 4004, reason: 'Unknown or expired session' };

// No maxPayload here: the adapter gives every socket WS_MAX_FRAME_BYTES (a frame over it: ws closes with 1009), as for run sockets.
@WebSocketGateway({ path: MCP_SOCKET_ROUTE })
export class McpGateway implements OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(McpGateway.name);
  private readonly open = new Set<WebSocket>();

  constructor(
    private readonly callers: CallerResolver,
    private readonly sessions: McpSessions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    let claimed: ReturnType<McpSessions['claim']>;
    let sessionId: string;
    try {
      const caller = this.callers.socketCaller(request);
      sessionId = sessionIdOf(request.url);
      // Under jwt only the session's owner; with auth off a socket carries no user (as for run sockets).
      claimed = this.sessions.claim(sessionId, (ownerId) => this.callers.mayOpenRun(caller, { user_id: ownerId }));
    } catch (error) {
      const refusal = socketRefusal(error);
      const { code, reason } = refusal.code === 4004 ? UNKNOWN_SESSION : refusal;
      return socket.close(code, reason);
    }
    const { info, workbench } = claimed;
    this.open.add(socket);
    const channel = {
      send: (message: Record<string, unknown>) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      },
      close: (code: number, reason: string) => socket.close(code, reason),
    };
    const bridge = new McpBridge(
      sessionId,
      workbench,
      channel,
      (capabilities) => {
        info.lastActivity = new Date();
        if (capabilities) info.capabilities = capabilities;
      },
      { maxJsonDepth: this.config.edge.maxJsonDepth },
    );
    // The frame's span ends when its operation has answered (the promise never rejects: failures are logged).
    socket.on('message', (data, isBinary) => {
      void traceFrame(MCP_SOCKET_ROUTE, async (span) => {
        if (isBinary) {
          span.type('binary');
          span.fail('bad_request', 'Invalid message format');
          return channel.send({ type: 'error', error: 'Invalid message format', timestamp: new Date().toISOString() });
        }
        return bridge.receive(rawText(data), span).catch((error: unknown) => this.logger.warn(`MCP session ${sessionId}: ${String(error)}`));
      });
    });
    socket.once('close', () => {
      this.open.delete(socket);
      bridge.close();
      void this.sessions.end(sessionId);
    });
    void bridge.start();
  }

  /** ws does not close its clients when the server closes: say goodbye (1001) so the MCP sessions end. */
  beforeApplicationShutdown(): void {
    for (const socket of this.open) socket.close(1001, 'Server shutdown');
  }
}

/** The session id at the end of the socket's path; a malformed escape (`%E0`) names no session (4004), it is no server error. */
function sessionIdOf(url: string | undefined): string {
  const last = new URL(url ?? '/', 'ws://localhost').pathname.replace(/\/+$/, '').split('/').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return '';
  }
}
