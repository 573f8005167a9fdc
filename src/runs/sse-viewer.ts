/**
 * A run viewer over Server-Sent Events: one `id:`/`data:` event per frame, and a heartbeat. The
 * stream ends after the run's terminal frame, live or replayed: nothing can follow it, and an
 * open stream would hold the connection (and its heartbeat) for as long as the client stays.
 */
import type { ServerResponse } from 'node:http';
import type { Viewer } from './websocket-manager.js';
import { isTerminalFrame, type ReplayFrame } from './ws-frames.js';

const HEARTBEAT_MS = 15_000;

export class SseViewer implements Viewer {
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the stream back in their buffers.
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    this.heartbeat = setInterval(() => {
      if (this.isOpen()) response.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    // However the stream ends (the client leaves, the server ends it), the heartbeat stops.
    response.once('close', () => clearInterval(this.heartbeat));
  }

  private isOpen(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  send(frame: ReplayFrame, json: string): void {
    if (!this.isOpen()) return;
    this.response.write(`id: ${frame.seq}\ndata: ${json}\n\n`);
    if (frame.type !== 'gap' && isTerminalFrame(frame)) this.close();
  }

  end(): void {
    this.close();
  }

  close(): void {
    clearInterval(this.heartbeat);
    if (!this.response.writableEnded) this.response.end();
  }
}
