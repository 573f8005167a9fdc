/**
 * Protects the server from a viewer that cannot keep up (protocol §2.6). Frames go straight to
 * the socket while its send buffer is small. Past `softLimitBytes` the viewer's chunks are held
 * and merged (consecutive chunks of one message become one chunk carrying the last seq) until
 * the buffer drains; past `hardLimitBytes` the viewer is closed with 1013 and may come back with
 * `?after=<last seq it got>`. The run and the other viewers never wait for it.
 */
import type { RunFrame } from './ws-frames.js';

/** The part of a `ws` WebSocket the outbox needs. */
export interface OutboxSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

export interface OutboxLimits {
  softLimitBytes: number;
  hardLimitBytes: number;
  /** How often a held backlog is retried while the buffer drains. */
  drainCheckMs: number;
}

export const TOO_SLOW = { code: 1013, reason: 'Viewer too slow: reconnect with ?after=<last seq>' } as const;

type Chunk = Extract<RunFrame, { type: 'message_chunk' }>;

export class ViewerOutbox {
  private held: RunFrame[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Seq of the last frame handed to the socket (what `?after=` should resume from). */
  lastSentSeq = 0;

  constructor(
    private readonly socket: OutboxSocket,
    private readonly limits: OutboxLimits,
  ) {}

  push(frame: RunFrame, json: string): void {
    if (this.closed) return;
    if (this.held.length === 0 && this.socket.bufferedAmount <= this.limits.softLimitBytes) return this.write(frame, json);
    this.hold(frame, json.length);
    if (this.socket.bufferedAmount + this.heldBytes > this.limits.hardLimitBytes) return this.giveUp();
    this.scheduleDrain();
  }

  /** Stops retrying; call when the socket closes. */
  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.held = [];
    this.heldBytes = 0;
  }

  private hold(frame: RunFrame, bytes: number): void {
    const last = this.held.at(-1);
    if (last?.type === 'message_chunk' && frame.type === 'message_chunk' && last.data.full_message_id === frame.data.full_message_id) {
      const merged: Chunk = { ...last, data: { ...last.data, content: last.data.content + frame.data.content }, seq: frame.seq };
      this.held[this.held.length - 1] = merged;
      this.heldBytes += frame.data.content.length;
      return;
    }
    this.held.push(frame);
    this.heldBytes += bytes;
  }

  private scheduleDrain(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, this.limits.drainCheckMs);
    this.timer.unref();
  }

  private drain(): void {
    if (this.closed) return;
    while (this.held.length > 0 && this.socket.bufferedAmount <= this.limits.softLimitBytes) {
      const frame = this.held.shift()!;
      const json = JSON.stringify(frame);
      this.heldBytes -= json.length;
      this.write(frame, json);
    }
    if (this.held.length === 0) this.heldBytes = 0;
    else this.scheduleDrain();
  }

  private write(frame: RunFrame, json: string): void {
    this.socket.send(json);
    this.lastSentSeq = frame.seq;
  }

  private giveUp(): void {
    this.dispose();
    this.socket.close(TOO_SLOW.code, TOO_SLOW.reason);
  }
}
