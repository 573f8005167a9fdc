import type { INestApplication, LogLevel } from '@nestjs/common';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { appRoot } from './config/app-root.js';
import type { AppConfig } from './config/config.js';
import { LOG_LEVELS } from './config/config.schema.js';
import { readAppVersion } from './health/app-version.js';
import { setupOpenApi } from './openapi.js';
import { PathWsAdapter } from './websocket/path-ws-adapter.js';

export interface CreateAppOptions {
  /** Nest logger: false silences it (tests); default, the levels at and above LOG_LEVEL. */
  logger?: false | LogLevel[];
}

/** The Nest log levels at and above `level` (LOG_LEVEL=warn → warn, error, fatal). */
export function logLevelsFrom(level: AppConfig['log']['level']): LogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(level));
}

/**
 * Builds the configured, initialised (database open and migrated) but not yet listening app.
 * main.ts and the e2e tests share it, so tests exercise exactly what production runs.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger ?? logLevelsFrom(config.log.level),
    bufferLogs: options.logger === undefined,
  });
  // HTTP_BODY_LIMIT (default 1mb: galleries and team configs outgrow body-parser's 100 kB, but an
  // unbounded body is memory anyone can make us allocate). Over it: 413 from the exception filter.
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.enableShutdownHooks();
  app.useWebSocketAdapter(new PathWsAdapter(app, { pingIntervalMs: config.runs.pingIntervalMs }));
  app.enableCors();
  setupOpenApi(app, readAppVersion());
  // The playground page (scripts/build-web.mjs): <root>/dist/web, from src/ (tests) and dist/src/ (npm start) alike.
  app.useStaticAssets(path.join(appRoot(), 'dist/web'));
  await app.init();
  return app;
}
