/**
 * An IOStream for tests: answers input requests from a script, records what was asked and sent.
 */
import { cancelledFrom, RunStateError } from '../../../src/engine/errors.js';
import type { InputOptions, IOStream } from '../../../src/engine/io/io-stream.js';

export interface InputRequest {
  prompt: string;
  requestId?: string;
  source?: string;
}

export class ScriptedIOStream implements IOStream {
  readonly printed: string[] = [];
  readonly sent: unknown[] = [];
  readonly requests: InputRequest[] = [];
  private readonly answers: string[];
  /** Called with the request when `input` starts waiting for an answer that is not scripted. */
  private readonly onWaiting: ((request: InputRequest) => void)[] = [];

  /** `answers` are given in order; with none left, `input` waits until the signal aborts. */
  constructor(answers: readonly string[] = []) {
    this.answers = [...answers];
  }

  print(...objects: unknown[]): void {
    this.printed.push(objects.map(String).join(' '));
  }

  send(event: unknown): void {
    this.sent.push(event);
  }

  input(prompt: string, options: InputOptions = {}): Promise<string> {
    const request = { prompt, requestId: options.requestId, source: options.source };
    this.requests.push(request);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    const answer = this.answers.shift();
    if (answer !== undefined) return Promise.resolve(answer);
    if (!signal) return Promise.reject(new RunStateError('ScriptedIOStream ran out of answers'));
    const waiting = new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(cancelledFrom(signal)), { once: true }));
    for (const notify of this.onWaiting.splice(0)) notify(request);
    return waiting;
  }

  /** Resolves once `input` is waiting for an answer the script does not have (the moment to abort, say). */
  waiting(): Promise<InputRequest> {
    return new Promise((resolve) => this.onWaiting.push(resolve));
  }
}
