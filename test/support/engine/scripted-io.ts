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
    this.requests.push({ prompt, requestId: options.requestId, source: options.source });
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    const answer = this.answers.shift();
    if (answer !== undefined) return Promise.resolve(answer);
    if (!signal) return Promise.reject(new RunStateError('ScriptedIOStream ran out of answers'));
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(cancelledFrom(signal)), { once: true }));
  }
}
