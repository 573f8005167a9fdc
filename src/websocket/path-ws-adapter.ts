/**
 * @nestjs/platform-ws matches a gateway's `path` exactly, so `/api/ws/runs/:id` would never
 * match `/api/ws/runs/7`. This adapter routes upgrades by pattern instead (`:name` matches one
 * segment), and leaves message dispatch to the gateways themselves: our frames are dispatched on
 * `type` after zod validation, not on Nest's `event` key. It also keeps every socket it accepts
 * healthy (protocol §2.6): a ping each interval, and a socket that missed a whole one is dropped.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { recordTransport } from './write-batching.js';

type RoutedServer = WebSocketServer & { path: string; pattern?: RegExp };

export function pathPattern(path: string): RegExp {
  const escaped = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

export class PathWsAdapter extends WsAdapter {
  private readonly routedServers = new Map<number, RoutedServer[]>();
  private readonly listeners = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();

  constructor(
    app: ConstructorParameters<typeof WsAdapter>[0],
    private readonly options: { pingIntervalMs: number },
  ) {
    // Returning nothing makes Nest's own dispatcher ignore every message; gateways listen themselves.
    super(app, { messageParser: () => undefined });
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
      const pathname = new URL(request.url ?? '/', 'ws://localhost').pathname;
      const target = this.routedServers.get(port)?.find((server) => server.pattern?.test(pathname));
      if (!target) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      target.handleUpgrade(request, socket, head, (ws) => {
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
    await super.dispose();
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
