/**
 * A reply streamed as newline-delimited JSON: headers go out with the first line (or `start()`),
 * so anything that fails before that can still be an ordinary JSON error with its status.
 */
import type { ServerResponse } from 'node:http';

export class NdjsonResponse {
  private readonly controller = new AbortController();
  private started = false;

  constructor(private readonly response: ServerResponse) {
    // The client went away before the end: whatever is producing lines should stop.
    response.once('close', () => {
      if (!response.writableEnded) this.controller.abort('Client disconnected');
    });
  }

  /** Aborted when the client disconnects before the reply has ended. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-cache',
      // Proxies such as nginx would otherwise hold the lines back in their buffers.
      'x-accel-buffering': 'no',
    });
  }

  write(line: object): void {
    this.start();
    if (!this.response.writableEnded && !this.response.destroyed) this.response.write(`${JSON.stringify(line)}\n`);
  }

  /** Ends a started reply; before `start()` it does nothing, leaving the response to the error filter. */
  end(): void {
    if (this.started && !this.response.writableEnded) this.response.end();
  }
}
