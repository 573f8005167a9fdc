/**
 * The app logging JSON (LOG_FORMAT=json's logger) into `lines`, one object per line, on a fresh
 * test database, listening on a free port of 127.0.0.1; for specs that read what an operator's log
 * collector would. Requests are not rate limited and 127.0.0.1 is allowed out (the specs' fakes).
 * Under tracing, import this module only after the SDK has started (as main.ts loads the app).
 */
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { createPinoLogger, PinoNestLogger } from '../../src/observability/pino-logger.js';
import { createTestDatabase } from './test-database.js';

export interface JsonLogApp {
  baseUrl: string;
  /** Closes the app, then drops its database. */
  close(): Promise<void>;
}

export async function startJsonLogApp(lines: Record<string, unknown>[]): Promise<JsonLogApp> {
  const database = await createTestDatabase();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = {
    ...loadConfig({ LOG_LEVEL: 'log', LOG_FORMAT: 'json', RATE_LIMIT_PER_MINUTE: '0', EGRESS_ALLOW: '127.0.0.1' }),
    database: database.config,
  };
  const app = await createApp(config, { logger: new PinoNestLogger(createPinoLogger({ level: 'log', format: 'json', destination })) });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
