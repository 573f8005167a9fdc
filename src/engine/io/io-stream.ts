/**
 * IOStream: where a run prints, sends events and asks a human for input (the AG2 idea).
 * The per-run default lives in AsyncLocalStorage, so code deep inside a run can reach the
 * run's stream without threading it through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface InputOptions {
  signal?: AbortSignal;
  /** The UserInputRequestedEvent's request_id this input answers. */
  requestId?: string;
  /** The name of the agent asking (the UserProxyAgent). */
  source?: string;
  /**
   * When the run stops waiting (set by the run driver's input timeout); a stream may show it.
   * The stream itself need not enforce it: the driver aborts `signal` when it passes.
   */
  timeoutAt?: Date;
}

export interface IOStream {
  /** Human-readable output (the terminal prints it; a socket may ignore it). */
  print(...objects: unknown[]): void;
  /** A structured event (a message, a chunk, a result) for whoever watches the run. */
  send(event: unknown): void;
  /** Waits for a human's answer; rejects with a CancelledError when the signal aborts. */
  input(prompt: string, options?: InputOptions): Promise<string>;
}

const storage = new AsyncLocalStorage<IOStream>();
let globalDefault: IOStream | undefined;

/** Runs `fn` with `stream` as the default IOStream for everything it awaits. */
export function withIOStream<T>(stream: IOStream, fn: () => T): T {
  return storage.run(stream, fn);
}

/** The IOStream of the current run, else the process default. */
export function getDefaultIOStream(): IOStream | undefined {
  return storage.getStore() ?? globalDefault;
}

export function setGlobalDefaultIOStream(stream: IOStream | undefined): void {
  globalDefault = stream;
}
