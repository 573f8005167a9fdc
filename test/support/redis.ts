/**
 * Redis for cluster-mode tests: TEST_REDIS_URL, else the default local server when it answers.
 * Without one such a test is reported as skipped, never passed; with CI or REQUIRE_REDIS set, a
 * missing Redis is a failure instead (as test/support/postgres.ts does for PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The Redis URL to test against, or undefined (then the caller skips, visibly). */
export async function findRedis(): Promise<string | undefined> {
  const url = process.env.TEST_REDIS_URL || DEFAULT_REDIS_URL;
  if (await answers(url)) return url;
  if (process.env.CI || process.env.REQUIRE_REDIS) throw new Error(`Redis required (CI / REQUIRE_REDIS) but ${url} does not answer`);
  console.warn(`Redis at ${url} does not answer: its tests are skipped`);
  return undefined;
}

/** A REDIS_KEY_PREFIX no other suite uses, so suites sharing one Redis never see each other's keys. */
export function uniqueKeyPrefix(): string {
  return `test-${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (a suite's own, see uniqueKeyPrefix). */
export async function dropKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await client.unlink(...keys);
    }
  } finally {
    client.disconnect();
  }
}
