/** Waiting on something that may not honour the run's signal, without waiting past a stop. */
import { cancelledFrom } from '../errors.js';

/**
 * Settles like `promise`, or rejects with the signal's CancelledError as soon as it aborts.
 * The abandoned promise's later rejection is observed here, so it is never unhandled.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(cancelledFrom(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledFrom(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
