/**
 * A real `ws` client for `/ws/chat`: records every text frame and waits (always with a timeout)
 * for the frame a test expects.
 */
import WebSocket from 'ws';

export class TextSocket {
  readonly frames: string[] = [];
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push((data as Buffer).toString()); // ws's default binaryType: one Buffer per message
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static open(baseUrl: string, path = '/ws/chat'): Promise<TextSocket> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`);
    const client = new TextSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** The index of the first frame at or after `from` that passes `test` (waiting for it if needed). */
  waitFor(test: (frame: string) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<number> {
    const find = () => this.frames.findIndex((f, i) => i >= from && test(f));
    const found = find();
    if (found >= 0) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const wake = () => {
        const index = find();
        if (index < 0) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(index);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new Error(`Timed out after ${timeoutMs} ms; frames so far:\n${this.frames.join('\n')}`));
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }

  /** The frames from `from` up to and including the next `Done: …` / `Stopped: …` / `Error: …`. */
  async untilEnd(from = 0, timeoutMs = 10_000): Promise<string[]> {
    const end = await this.waitFor((f) => /^(Done|Stopped|Error): /.test(f), { from, timeoutMs });
    return this.frames.slice(from, end + 1);
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) {
      this.socket.close();
      await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
  }
}
