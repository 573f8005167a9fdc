/**
 * `GET /api/ws/runs/:id?after=<seq>&token=…` — the AGS playground socket (protocol §1.3).
 * The upgrade is accepted first, then checked, so a refusal reaches the browser as a close code
 * (4004 run not found) rather than AGS's unreadable 1006.
 *
 * Origin, token and connection caps were checked at the upgrade (SocketGate); here, in order:
 * the token again (it names the caller), the URL (an id past the column's range is 4004
 * without a query), the run (a failed lookup closes 1011 and is logged: nothing a socket does
 * can take the process down), ownership (4001). The close listener is registered before the
 * first await, so a client that leaves while the run is looked up or replayed is never left
 * subscribed.
 */
import type { IncomingMessage } from 'node:http';
import { Inject, Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import type { Caller } from '../auth/caller.js';
import { CallerResolver } from '../auth/caller.resolver.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError, ERROR_TRANSPORT } from '../common/errors.js';
import { MAX_ROW_ID, parseRowId, parseSeq } from '../common/params.js';
import { socketRefusal } from '../websocket/socket-gate.js';
import { RunSocket } from './run-socket.js';
import { RunStarter } from './run-starter.js';
import { RunsService } from './runs.service.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { WebSocketManager } from './websocket-manager.js';
import { frames } from './ws-frames.js';

export const RUN_NOT_FOUND = { code: ERROR_TRANSPORT.not_found.socketClose, reason: 'Run not found' } as const;

/**
 * Parses `/api/ws/runs/<id>?after=<seq>`: `runId` is null when the id is not a positive integer
 * within the id column's range (no such run can exist), `after` null when it is not a whole
 * number within that range.
 */
export function parseRunSocketUrl(url: string): { runId: number | null; after: number | null } {
  const parsed = new URL(url, 'ws://localhost');
  const id = parsed.pathname.replace(/\/$/, '').split('/').pop() ?? '';
  return { runId: parseRowId(id), after: parseSeq(parsed.searchParams.get('after') ?? '0') };
}

type Held = Parameters<RunSocket['receive']>;

// No maxPayload here: the adapter gives every socket WS_MAX_FRAME_BYTES (a frame over it: 1009).
@WebSocketGateway({ path: '/api/ws/runs/:id' })
export class RunsGateway implements OnGatewayConnection {
  private readonly logger = new Logger(RunsGateway.name);

  constructor(
    private readonly runs: RunsService,
    private readonly manager: WebSocketManager,
    private readonly starter: RunStarter,
    private readonly callers: CallerResolver,
    @Inject(STREAMING_OPTIONS) private readonly options: StreamingOptions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Nest ignores what this returns: every failure is caught here, logged, and closes the socket 1011. */
  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const connection = new Connection(socket);
    this.connect(connection, request).catch((error: unknown) => {
      this.logger.error(`${request.url?.split('?')[0] ?? 'run socket'}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      connection.refuse(ERROR_TRANSPORT.internal.socketClose, 'Internal server error');
    });
  }

  private async connect(connection: Connection, request: IncomingMessage): Promise<void> {
    let caller: Caller;
    try {
      caller = this.callers.socketCaller(request);
    } catch (error) {
      const { code, reason } = socketRefusal(error);
      return connection.refuse(code, reason);
    }
    const target = parseRunSocketUrl(request.url ?? '');
    if (target.runId === null) return connection.refuse(RUN_NOT_FOUND.code, RUN_NOT_FOUND.reason);
    if (target.after === null) {
      const { code, reason } = socketRefusal(new AppError('bad_request', `after must be a whole number up to ${MAX_ROW_ID}`));
      return connection.refuse(code, reason);
    }
    const run = await this.runs.findById(target.runId);
    if (connection.closed) return;
    if (!run) return connection.refuse(RUN_NOT_FOUND.code, RUN_NOT_FOUND.reason);
    if (!this.callers.mayOpenRun(caller, run)) return connection.refuse(ERROR_TRANSPORT.forbidden.socketClose, 'Unauthorized');

    const socket = connection.socket;
    const viewer = new RunSocket(socket, run, this.manager, this.starter, { ...this.options, maxJsonDepth: this.config.edge.maxJsonDepth });
    viewer.sendJson(frames.connected());
    const detach = await this.manager.attach(run.id, viewer, target.after);
    connection.onClose(detach);
    if (connection.closed) return;
    connection.release((data, isBinary) => viewer.receive(data, isBinary));
  }
}

/**
 * One accepted socket while it is being checked: frames that arrive meanwhile are held (not
 * lost), and its close is seen from the very start, whatever is awaited later.
 */
class Connection {
  closed = false;
  private readonly held: Held[] = [];
  private readonly cleanups: (() => void)[] = [];
  private readonly hold = (data: Held[0], isBinary: boolean) => this.held.push([data, isBinary]);

  constructor(readonly socket: WebSocket) {
    socket.on('message', this.hold);
    socket.once('close', () => {
      this.closed = true;
      this.held.length = 0;
      for (const cleanup of this.cleanups.splice(0)) cleanup();
    });
  }

  /** Runs `cleanup` when the socket closes (at once if it already has). */
  onClose(cleanup: () => void): void {
    if (this.closed) cleanup();
    else this.cleanups.push(cleanup);
  }

  refuse(code: number, reason: string): void {
    if (!this.closed) this.socket.close(code, reason);
  }

  /** Hands the held frames, then every later one, to `receive`. */
  release(receive: (data: Held[0], isBinary: boolean) => void): void {
    this.socket.off('message', this.hold);
    this.socket.on('message', receive);
    for (const [data, isBinary] of this.held.splice(0)) receive(data, isBinary);
  }
}
