/**
 * A real `ws` client on `/api/ws/runs/:id` for e2e tests: records every frame, and waits (always
 * with a timeout) for a frame, the run's end or the socket's close.
 */
import WebSocket from 'ws';

/** A frame as received: loosely typed on purpose, tests assert on its exact keys. */
export type Frame = Record<string, any> & { type: string };

export interface Closed {
  code: number;
  reason: string;
}

export class RunViewer {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  private waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Frame; // ws's default binaryType: one Buffer per message
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.test(frame) ? (w.resolve(frame), false) : true));
    });
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens the socket and resolves once it is open (not waiting for any frame). */
  static open(baseUrl: string, runId: number | string, query: Record<string, string | number> = {}): Promise<RunViewer> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/ws/runs/${runId}${qs ? `?${qs}` : ''}`);
    const viewer = new RunViewer(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(viewer));
      socket.once('error', reject);
    });
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** The first frame (already received or still to come) that passes `test`. */
  waitFor(test: (f: Frame) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; got ${this.frames.map((f) => f.type).join(', ')}`)),
        timeoutMs,
      );
      this.waiters.push({ test, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** The first frame of a type received after the first `count` frames of that type. */
  nth(type: string, n: number, timeoutMs = 10_000): Promise<Frame> {
    let seen = 0;
    return this.waitFor((f) => f.type === type && ++seen === n, timeoutMs, `${type} #${n}`);
  }

  /** Resolves with the run's terminal frame (`result` or `completion`). */
  terminal(timeoutMs = 15_000): Promise<Frame> {
    return this.waitFor((f) => f.type === 'result' || f.type === 'completion', timeoutMs, 'the terminal frame');
  }

  waitClosed(timeoutMs = 10_000): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<Closed>((_, reject) => setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs} ms`)), timeoutMs)),
    ]);
  }

  /** Frames that carry a seq, in arrival order. */
  numbered(): Frame[] {
    return this.frames.filter((f) => typeof f.seq === 'number');
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.waitClosed();
  }
}

/** The seqs frames account for: each frame's own, and every seq a `gap` frame stands in for. */
export const coveredSeqs = (frames: Frame[]): number[] =>
  frames.flatMap((f) =>
    f.type === 'gap' ? Array.from({ length: f.to - f.from + 1 }, (_, i) => f.from + i) : typeof f.seq === 'number' ? [f.seq] : [],
  );

/**
 * What a replay of a finished run gives for the numbered frames a live viewer got (protocol
 * §2.2): the chunks of each turn whose final message came are compacted, so each run of their
 * seqs becomes one `gap` frame (its `seq` is its `to`); everything else is as it was sent.
 */
export function compactedReplay(frames: Frame[]): Frame[] {
  const finished = new Set(frames.filter((f) => f.type === 'message').map((f) => f.data.id as string));
  const out: Frame[] = [];
  for (const f of frames) {
    if (typeof f.seq !== 'number') continue;
    if (f.type !== 'message_chunk' || !finished.has(f.data.full_message_id as string)) {
      out.push(f);
      continue;
    }
    const last = out.at(-1);
    if (last?.type === 'gap' && last.to + 1 === f.seq) Object.assign(last, { to: f.seq, seq: f.seq });
    else out.push({ type: 'gap', run_id: f.run_id, from: f.seq, to: f.seq, seq: f.seq });
  }
  return out;
}
