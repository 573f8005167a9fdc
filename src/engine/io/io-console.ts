/**
 * IOConsole: the IOStream of the terminal. Prints to stdout, renders run events as readable
 * text (streamed text as it arrives, tool calls and hand-offs marked) and reads answers from
 * stdin. Lines piped in before a question is asked are queued, so a script can answer ahead.
 */
import { createInterface, type Interface } from 'node:readline';
import { format } from 'node:util';
import { CancelledError, RunStateError, cancelledFrom } from '../errors.js';
import type { InputOptions, IOStream } from './io-stream.js';
import { ConsoleRenderer } from './console-renderer.js';

export interface IOConsoleOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Called on Ctrl-C while the terminal is being read (readline swallows the signal otherwise). */
  onInterrupt?: () => void;
}

interface Waiter {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

export class IOConsole implements IOStream {
  private readonly source: NodeJS.ReadableStream;
  private readonly output: NodeJS.WritableStream;
  private readonly renderer: ConsoleRenderer;
  private readline: Interface | undefined;
  private readonly lines: string[] = [];
  private waiter: Waiter | undefined;
  private ended = false;

  constructor(private readonly options: IOConsoleOptions = {}) {
    this.source = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.renderer = new ConsoleRenderer((text) => this.output.write(text));
  }

  print(...objects: unknown[]): void {
    this.renderer.breakLine();
    this.output.write(`${format(...objects)}\n`);
  }

  /** Renders a message, event or TaskResult. */
  send(event: unknown): void {
    this.renderer.render(event);
  }

  input(prompt: string, options: InputOptions = {}): Promise<string> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    if (this.waiter) return Promise.reject(new RunStateError('IOConsole is already waiting for input'));
    this.renderer.breakLine();
    this.output.write(prompt);
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.echo(queued);
      return Promise.resolve(queued);
    }
    this.ensureReading();
    if (this.ended) return Promise.reject(new RunStateError('No more input: standard input is closed'));
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiter = undefined;
        reject(cancelledFrom(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      this.waiter = {
        resolve: (line) => (done(), resolve(line)),
        reject: (error) => (done(), reject(error)),
      };
    });
  }

  /** Stops reading stdin so the process can exit. */
  close(): void {
    this.readline?.close();
    this.readline = undefined;
  }

  /** A piped answer is not echoed by a terminal; show it so the transcript reads right. */
  private echo(line: string): void {
    if ((this.source as { isTTY?: boolean }).isTTY !== true) this.output.write(`${line}\n`);
  }

  private ensureReading(): void {
    if (this.readline || this.ended) return;
    const terminal = (this.source as { isTTY?: boolean }).isTTY === true;
    this.readline = createInterface({ input: this.source, terminal });
    this.readline.on('line', (line) => {
      if (!this.waiter) return void this.lines.push(line);
      this.echo(line);
      this.waiter.resolve(line);
    });
    this.readline.on('close', () => {
      this.ended = true;
      this.readline = undefined;
      this.waiter?.reject(new RunStateError('No more input: standard input is closed'));
    });
    this.readline.on('SIGINT', () => {
      if (this.options.onInterrupt) this.options.onInterrupt();
      else this.waiter?.reject(new CancelledError('Interrupted'));
    });
  }
}
