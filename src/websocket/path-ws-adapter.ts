/**
 * @nestjs/platform-ws matches a gateway's `path` exactly, so `/api/ws/runs/:id` would never
 * match `/api/ws/runs/7`. This adapter routes upgrades by pattern instead (`:name` matches one
 * segment), and leaves message dispatch to the gateways themselves: our frames are dispatched on
 * `type` after zod validation, not on Nest's `event` key. It also keeps every socket it accepts
 * healthy (protocol §2.6): a ping each interval, and a socket that missed a whole one is dropped.
 *
 * Every upgrade first passes the SocketGate (origin, token, connection caps). A refused upgrade is
 * still accepted, as AGS clients expect a close code (protocol §1.3), but by a separate server
 * whose frame limit is a control frame's 125 bytes: the close frame goes out at once, and the
 * client cannot make us buffer anything before it is authenticated. No gateway ever sees it.
 * Admitted sockets get the gateway's frame limit, capped at `maxPayload` (WS_MAX_FRAME_BYTES).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsAdapter } from '@nestjs/platform-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Admission } from './socket-gate.js';
import { recordTransport } from './write-batching.js';

type RoutedServer = WebSocketServer & { path: string; pattern?: RegExp };

export function pathPattern(path: string): RegExp {
  const escaped = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

export interface PathWsAdapterOptions {
  pingIntervalMs: number;
  /** The largest frame any socket may send (a gateway may set less); over it ws closes with 1009. */
  maxPayload: number;
  /** Decides every upgrade before a gateway sees it; absent, every upgrade is admitted. */
  gate?: { admit(request: IncomingMessage): Admission };
}

/** How long a refused socket may take to answer our close frame before it is dropped. */
const REFUSED_CLOSE_TIMEOUT_MS = 2_000;

export class PathWsAdapter extends WsAdapter {
  private readonly routedServers = new Map<number, RoutedServer[]>();
  private readonly listeners = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  /** Completes refused upgrades: reads nothing bigger than a control frame, then closes. */
  private readonly refuser = new WebSocketServer({
    noServer: true,
    maxPayload: 125,
    // A ws option (8.x) that @types/ws does not list yet; the default would keep the socket 30 s.
    ...({ closeTimeout: REFUSED_CLOSE_TIMEOUT_MS } as object),
  });

  constructor(
    app: ConstructorParameters<typeof WsAdapter>[0],
    private readonly options: PathWsAdapterOptions,
  ) {
    // Returning nothing makes Nest's own dispatcher ignore every message; gateways listen themselves.
    super(app, { messageParser: () => undefined });
  }

  override create(port: number, options?: Record<string, unknown> & { path?: string }): WebSocketServer {
    const requested = typeof options?.maxPayload === 'number' ? options.maxPayload : Infinity;
    return super.create(port, { ...options, maxPayload: Math.min(requested, this.options.maxPayload) }) as WebSocketServer;
  }

  protected override addWsServerToRegistry<T extends Record<'path', string>>(wsServer: T, port: number, path: string): void {
    const server = wsServer as unknown as RoutedServer;
    server.path = path;
    server.pattern = pathPattern(path);
    const list = this.routedServers.get(port) ?? [];
    list.push(server);
    this.routedServers.set(port, list);
  }

  protected override ensureHttpServerExists(port: number, httpServer?: Server): Server | undefined {
    if (!httpServer || this.listeners.has(httpServer)) return httpServer;
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // An 'upgrade' listener that throws takes the process down: a URL such as `//[` must not.
      const pathname = pathnameOf(request.url);
      if (pathname === null) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      const target = this.routedServers.get(port)?.find((server) => server.pattern?.test(pathname));
      if (!target) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      const admission: Admission = this.options.gate?.admit(request) ?? { open: () => () => undefined };
      if (admission.refusal) {
        const { code, reason } = admission.refusal;
        this.refuser.handleUpgrade(request, socket, head, (ws) => {
          ws.on('error', () => undefined); // an oversized frame after our close: ws ends the socket
          ws.close(code, reason);
        });
        return;
      }
      // The gate decided synchronously and handleUpgrade completes synchronously: the count is exact.
      target.handleUpgrade(request, socket, head, (ws) => {
        ws.once('close', admission.open());
        recordTransport(ws, socket);
        keepAlive(ws, this.options.pingIntervalMs);
        target.emit('connection', ws, request);
      });
    };
    httpServer.on('upgrade', onUpgrade);
    this.listeners.set(httpServer, onUpgrade);
    return httpServer;
  }

  override async dispose(): Promise<void> {
    for (const [server, listener] of this.listeners) server.off('upgrade', listener);
    this.listeners.clear();
    this.routedServers.clear();
    for (const ws of this.refuser.clients) ws.terminate();
    this.refuser.close();
    await super.dispose();
  }
}

/** The path of a request URL, or null when it does not parse. */
function pathnameOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'ws://localhost').pathname;
  } catch {
    return null;
  }
}

/** Pings the socket every interval and drops it when the previous ping went unanswered. */
function keepAlive(socket: WebSocket, intervalMs: number): void {
  if (intervalMs <= 0) return;
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
