/**
 * Which database failures are worth retrying, and the retry loop itself. A failure is transient
 * when the database is (for now) not answering or busy: the connection was refused, reset or
 * terminated, the server is shutting down or starting, or SQLite reports the file locked. Anything
 * else (a constraint, a missing table, bad SQL) fails the same way on every attempt, so it is not
 * retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Node socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (admin/crash shutdown,
 * cannot connect now), 53300 (too many connections), 40001 / 40P01 (serialization failure,
 * deadlock: the transaction as a whole may be run again), 55P03 / 57014 (a lock not granted
 * within lock_timeout, a statement cancelled by statement_timeout: a table someone else holds).
 */
const PG_TRANSIENT = /^(08...|57P0[123]|53300|40001|40P01|55P03|57014)$/;

/** SQLite: SQLITE_BUSY, SQLITE_LOCKED and their extended codes (SQLITE_BUSY_SNAPSHOT, …). */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED)/;

/** What node-postgres and TypeORM say when a connection goes away without a code. */
const TRANSIENT_MESSAGE =
  /connection terminated|connection ended unexpectedly|connection error|timeout exceeded when trying to connect|client was closed and is not queryable|client has encountered a connection error|database is locked|the database system is (starting up|shutting down)|terminating connection due to administrator command/i;

/**
 * True when `error` (or the driver error or cause it wraps, e.g. a TypeORM QueryFailedError's
 * `driverError`) says the database is unreachable or busy rather than that the statement is wrong.
 */
export function isTransientDbError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_TRANSIENT.test(code) || SQLITE_TRANSIENT.test(code))) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return true;
    const wrapped = current as { driverError?: unknown; cause?: unknown };
    current = wrapped.driverError ?? wrapped.cause;
  }
  return false;
}

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts; the last error is thrown then. */
  deadline: () => number;
  /** Called with each transient failure that will be retried, and the wait before the next attempt (ms). */
  onRetry?: (error: unknown, delayMs: number) => void;
  /** Called with each transient failure (retried or not), before deciding. */
  onTransientFailure?: (error: unknown) => void;
  /** First wait (ms), doubled after each failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** For tests: the clock and the wait. */
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * Runs `attempt` until it resolves, retrying transient failures ({@link isTransientDbError}) with
 * exponential backoff (100 ms doubling to 2 s by default) while the deadline allows; a
 * non-transient failure, or a transient one past the deadline, is thrown as it is.
 */
export async function retryTransient<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? sleep;
  let delay = options.initialDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 2_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientDbError(error)) throw error;
      options.onTransientFailure?.(error);
      const left = options.deadline() - now();
      if (left <= 0) throw error;
      const pause = Math.min(delay, left);
      options.onRetry?.(error, pause);
      await wait(pause);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
