/**
 * The run socket `/api/ws/runs/:id` (protocol §1.3, §2.2). It hands on each run frame once, in
 * seq order: a frame whose seq is not above the last one seen is a replayed duplicate and is
 * dropped. When the socket drops mid-run it comes back with `?after=<last seq>`, so the view gets
 * no repeat; a `gap` frame (chunks compacted or lost, §2.2) is skipped, and a resume goes on past it.
 */
import { reportUnauthorized } from './api.js';
import { getToken } from './auth.js';
import type { RunFrame, ServerFrame } from './types.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionHandlers {
  /** `system/connected` arrived: the server is ready for `start`. */
  onConnected(): void;
  onFrame(frame: RunFrame): void;
  /** An `error` frame: a protocol problem (bad frame, second answer…), not the run's failure. */
  onProtocolError(text: string): void;
  onState(state: ConnectionState): void;
  /** The run cannot be watched any more (not found, not allowed, or the server stays away). */
  onGone(reason: string): void;
}

/** Close codes after which trying again cannot help (§1.3, §2.7). */
const FINAL_CODES: Record<number, string> = { 4004: 'Run not found', 4001: 'Not allowed to see this run' };
const MAX_RETRIES = 8;

export class RunConnection {
  private socket: WebSocket | null = null;
  private retries = 0;
  private ended = false;

  constructor(
    readonly runId: number,
    /** The last seq already shown; the socket replays only what comes after. */
    public lastSeq: number,
    private readonly handlers: ConnectionHandlers,
  ) {}

  open(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    // `token=null` is what the AGS front-end sends with auth off (§1.3); signed in, the JWT.
    const after = this.lastSeq > 0 ? `&after=${this.lastSeq}` : '';
    const token = encodeURIComponent(getToken() ?? 'null');
    const socket = new WebSocket(`${scheme}://${location.host}/api/ws/runs/${this.runId}?token=${token}${after}`);
    this.socket = socket;
    this.handlers.onState(this.retries ? 'reconnecting' : 'connecting');
    socket.addEventListener('message', (event) => this.receive(String(event.data)));
    socket.addEventListener('close', (event) => this.closed(socket, event.code, event.reason));
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a client frame; false when the socket is not open (the caller may fall back to REST). */
  send(frame: Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Stops watching (the run itself goes on: closing a socket only detaches, §2.1). */
  close(): void {
    this.ended = true;
    this.socket?.close(1000);
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return this.handlers.onProtocolError('The server sent a frame that is not JSON.');
    }
    switch (frame.type) {
      case 'system':
        this.retries = 0;
        this.handlers.onState('open');
        if (frame.status === 'connected') this.handlers.onConnected();
        return;
      case 'pong':
        return;
      case 'error':
        return this.handlers.onProtocolError(frame.error);
      case 'gap':
        // Nothing to show: chunks the server no longer has (compacted, their message follows and
        // replaces any partial text; or lost in a crash). A resume goes on after it.
        this.lastSeq = Math.max(this.lastSeq, frame.seq);
        return;
      default:
        if (typeof frame.seq === 'number') {
          if (frame.seq <= this.lastSeq) return; // already shown
          this.lastSeq = frame.seq;
        }
        this.handlers.onFrame(frame);
        if (frame.type === 'result' || frame.type === 'completion') this.close(); // §1.5: the client closes
    }
  }

  private closed(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    if (this.ended) return this.handlers.onState('closed');
    const final = FINAL_CODES[code];
    // Signed in, 4001 means the token was refused (expired, say): back to sign-in.
    if (code === 4001 && getToken() !== null) reportUnauthorized(reason || 'The server refused the token.');
    if (final || this.retries >= MAX_RETRIES) {
      this.ended = true;
      this.handlers.onState('closed');
      return this.handlers.onGone(final ?? `Lost the connection to run ${this.runId} (${reason || `code ${code}`}).`);
    }
    // Back off 0.5 s, 1 s, 2 s… up to 5 s, then resume from the last seq.
    const delay = Math.min(5000, 500 * 2 ** this.retries++);
    this.handlers.onState('reconnecting');
    window.setTimeout(() => {
      if (!this.ended) this.open();
    }, delay);
  }
}
