/**
 * Reads a model server's streamed answer with two ways to end it: the caller's signal, and a stall
 * timer (no event for `idleMs` ms). Both abort the one HTTP request through the signal given to
 * `open`. Shared by the SDK-backed clients (openai, anthropic), which differ only in how they open
 * the stream, turn an event into a text delta, and map a failure.
 */
import { ModelError, throwIfAborted } from '../errors.js';

export interface GuardedStream<E> {
  /** The caller's signal (a stop). */
  signal: AbortSignal | undefined;
  /** Milliseconds without an event after which the stream counts as stalled. */
  idleMs: number;
  /** Opens the stream with the request's own signal (the caller's abort and the stall both fire it). */
  open(signal: AbortSignal): Promise<AsyncIterable<E>>;
  /** Takes one event; returns the text delta to yield, if any. */
  push(event: E): string | undefined;
  /** Maps any other failure (the SDK's, the mapping's) to an engine error. */
  toError(error: unknown): Error;
}

/**
 * Yields the text deltas of the stream; returns normally when the stream ended cleanly.
 * @throws CancelledError when the caller's signal aborted (also when the SDK ended quietly)
 * @throws ModelError `Model stream stalled: no data for <s> seconds` after `idleMs` without an event
 * @throws whatever `toError` makes of any other failure
 */
export async function* guardedStream<E>(stream: GuardedStream<E>): AsyncGenerator<string, void, undefined> {
  const { signal, idleMs } = stream;
  throwIfAborted(signal);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort();
  signal?.addEventListener('abort', forwardAbort, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, idleMs);
  };
  try {
    // Until the stream opens (headers), the SDK's own timeout and retries apply.
    const events = await stream.open(controller.signal);
    rearm();
    for await (const event of events) {
      const delta = stream.push(event);
      if (delta) {
        clearTimeout(timer); // time the consumer spends on a delta is not the server stalling
        yield delta;
      }
      rearm();
    }
  } catch (error) {
    if (stalled && !signal?.aborted) throw stallError(idleMs);
    throw stream.toError(error);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
  // An SDK may end an aborted stream quietly instead of throwing; it is still a cancellation.
  throwIfAborted(signal);
  if (stalled) throw stallError(idleMs);
}

function stallError(ms: number): ModelError {
  return new ModelError(`Model stream stalled: no data for ${ms / 1000} seconds`);
}
