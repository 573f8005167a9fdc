import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestAppOptions {
  /** Extra environment for the config (e.g. `{ OPENAI_API_KEY: 'sk-test' }`). */
  env?: NodeJS.ProcessEnv;
  /** Boot on this database instead of a fresh one (restart tests); `close()` then leaves it to its owner. */
  database?: TestDatabase;
}

/** A running app on a real HTTP port with its own fresh database. */
export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  database: TestDatabase;
  /** `http://127.0.0.1:<port>` of the listening server. */
  baseUrl: string;
  /** A supertest agent bound to the real server. */
  http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * Boots the production app (createApp) on an ephemeral port against a fresh database:
 * a temp SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set.
 * Call `close()` in afterAll; it stops the server and drops the database.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // The REST rate limit is off unless a test sets it: suites make hundreds of requests from one IP.
  // Team configs point at loopback fakes on random ports, which the egress policy allows only when told.
  const config: AppConfig = {
    ...loadConfig({ LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', EGRESS_ALLOW: '127.0.0.1', ...options.env }),
    database: database.config,
  };
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    database,
    baseUrl,
    http: request(baseUrl),
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
