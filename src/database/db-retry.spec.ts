import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isTransientDbError, retryTransient } from './db-retry.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe(isTransientDbError.name, () => {
  it.each([
    ['connection refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', coded('ECONNRESET')],
    ['PostgreSQL admin shutdown', coded('57P01', 'terminating connection due to administrator command')],
    ['PostgreSQL connection failure (class 08)', coded('08006')],
    ['PostgreSQL cannot connect now', coded('57P03')],
    ['PostgreSQL lock not available (lock_timeout)', coded('55P03', 'canceling statement due to lock timeout')],
    ['PostgreSQL statement timeout', coded('57014', 'canceling statement due to statement timeout')],
    ['PostgreSQL deadlock', coded('40P01')],
    ['SQLite busy', coded('SQLITE_BUSY', 'database is locked')],
    ['SQLite busy snapshot', coded('SQLITE_BUSY_SNAPSHOT')],
    ['SQLite locked', coded('SQLITE_LOCKED')],
    ['node-postgres losing its connection', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a wrapped driver error', new QueryFailedError('INSERT …', [], coded('SQLITE_BUSY', 'SqliteError: database is locked'))],
    ['an error with a transient cause', new Error('write failed', { cause: coded('ECONNREFUSED') })],
  ])('%s is transient', (_, error) => {
    expect(isTransientDbError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('23505', 'duplicate key value violates unique constraint')],
    ['a missing table', coded('42P01', 'relation "runs" does not exist')],
    ['PostgreSQL refusing U+0000', coded('22021', 'invalid byte sequence for encoding "UTF8": 0x00')],
    ['SQLite constraint', coded('SQLITE_CONSTRAINT_UNIQUE')],
    ['SQLite full disk', coded('SQLITE_FULL')],
    ['a plain error', new Error('boom')],
    ['not an error', 'boom'],
    ['nothing', undefined],
  ])('%s is not', (_, error) => {
    expect(isTransientDbError(error)).toBe(false);
  });
});

describe(retryTransient.name, () => {
  /** A fake clock: waiting moves it on, so the backoff is observable and instant. */
  function clock() {
    let now = 0;
    const waits: number[] = [];
    return { now: () => now, wait: async (ms: number) => void (waits.push(ms), (now += ms)), waits };
  }

  it('retries transient failures with doubling waits until the attempt succeeds', async () => {
    const c = clock();
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 5) throw coded('ECONNREFUSED');
        return 'stored';
      },
      { deadline: () => 10_000, now: c.now, wait: c.wait },
    );
    expect(result).toBe('stored');
    expect(c.waits).toEqual([100, 200, 400, 800]);
  });

  it('gives up at the deadline with the last error; the waits never pass it', async () => {
    const c = clock();
    const error = coded('SQLITE_BUSY');
    const retried: number[] = [];
    await expect(
      retryTransient(
        async () => {
          throw error;
        },
        { deadline: () => 1_000, now: c.now, wait: c.wait, onRetry: (_, ms) => retried.push(ms) },
      ),
    ).rejects.toBe(error);
    expect(c.waits).toEqual([100, 200, 400, 300]);
    expect(retried).toEqual(c.waits);
    expect(c.now()).toBe(1_000);
  });

  it('throws a non-transient failure at once', async () => {
    const c = clock();
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw coded('23505');
        },
        { deadline: () => 10_000, now: c.now, wait: c.wait },
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
  });

  it('caps the wait at maxDelayMs', async () => {
    const c = clock();
    let calls = 0;
    await retryTransient(
      async () => {
        if (++calls < 8) throw coded('ECONNRESET');
      },
      { deadline: () => 100_000, now: c.now, wait: c.wait, maxDelayMs: 1_000 },
    );
    expect(c.waits).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });
});
