/**
 * `GET /api/ws/runs/:id?after=<seq>&token=…` — the AGS playground socket (protocol §1.3).
 * The upgrade is accepted first, then checked, so a refusal reaches the browser as a close code
 * (4004 run not found) rather than AGS's unreadable 1006.
 */
import type { IncomingMessage } from 'node:http';
import { Inject, Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { CallerResolver } from '../auth/caller.resolver.js';
import { RunSocket } from './run-socket.js';
import { RunStarter } from './run-starter.js';
import { RunsService } from './runs.service.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { WebSocketManager } from './websocket-manager.js';
import { frames } from './ws-frames.js';

export const RUN_NOT_FOUND = { code: 4004, reason: 'Run not found' } as const;

/** Parses `/api/ws/runs/<id>?after=<seq>`; null when the id or `after` is not a whole number. */
export function parseRunSocketUrl(url: string): { runId: number; after: number } | null {
  const parsed = new URL(url, 'ws://localhost');
  const id = parsed.pathname.replace(/\/$/, '').split('/').pop() ?? '';
  const after = parsed.searchParams.get('after') ?? '0';
  if (!/^\d{1,15}$/.test(id) || !/^\d{1,15}$/.test(after)) return null;
  return { runId: Number(id), after: Number(after) };
}

/**
 * The transport's own cap: a frame over it closes the socket with 1009. The configurable
 * application limit (an `error` frame, socket kept) sits below it, in RunSocket.
 */
export const TRANSPORT_MAX_PAYLOAD = 64 * 1024 * 1024;

@WebSocketGateway({ path: '/api/ws/runs/:id', maxPayload: TRANSPORT_MAX_PAYLOAD })
export class RunsGateway implements OnGatewayConnection {
  private readonly logger = new Logger(RunsGateway.name);

  constructor(
    private readonly runs: RunsService,
    private readonly manager: WebSocketManager,
    private readonly starter: RunStarter,
    private readonly callers: CallerResolver,
    @Inject(STREAMING_OPTIONS) private readonly options: StreamingOptions,
  ) {}

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    // Frames that arrive while we look the run up are held, not lost.
    const held: Parameters<RunSocket['receive']>[] = [];
    const hold = (data: Parameters<RunSocket['receive']>[0], isBinary: boolean) => held.push([data, isBinary]);
    socket.on('message', hold);
    const target = parseRunSocketUrl(request.url ?? '');
    const run = target && (await this.runs.findById(target.runId));
    const refusal = this.callers.refuseRunSocket(request, run); // 4001: bad token, or not the caller's run (§2.7)
    if (refusal) return socket.close(refusal.code, refusal.reason);
    if (!target || !run) return socket.close(RUN_NOT_FOUND.code, RUN_NOT_FOUND.reason);

    const viewer = new RunSocket(socket, run, this.manager, this.starter, this.options);
    viewer.sendJson(frames.connected());
    let detach: (() => void) | undefined;
    let closed = false;
    socket.once('close', () => {
      closed = true;
      detach?.();
    });
    try {
      detach = await this.manager.attach(run.id, viewer, target.after);
      if (closed) detach();
    } catch (error) {
      this.logger.error(`Run ${run.id}: replay failed: ${String(error)}`);
      return socket.close(1011, 'Replay failed');
    }
    socket.off('message', hold);
    socket.on('message', (data, isBinary) => viewer.receive(data, isBinary));
    for (const [data, isBinary] of held) viewer.receive(data, isBinary);
  }
}

