import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { allowedHosts } from './common/allowed-hosts.js';
import { AppModule } from './app.module.js';
import { CallerResolver } from './auth/caller.resolver.js';
import { appRoot } from './config/app-root.js';
import type { AppConfig } from './config/config.js';
import { readAppVersion } from './health/app-version.js';
import { createPinoLogger, PinoNestLogger } from './observability/pino-logger.js';
import { setupOpenApi } from './openapi.js';
import { PathWsAdapter } from './websocket/path-ws-adapter.js';
import { SocketGate } from './websocket/socket-gate.js';

export interface CreateAppOptions {
  /** Nest logger: false silences it (tests), a LoggerService replaces it (tests reading the log); default, pino at LOG_LEVEL in LOG_FORMAT. */
  logger?: false | LogLevel[] | LoggerService;
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

/** Whether HOST only listens on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** What the start-up log must warn about: settings that expose the service. */
export function startupWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.auth.type === 'none' && !isLoopbackHost(config.http.host)) {
    warnings.push(
      `!!! AUTH_TYPE=none while listening on HOST=${config.http.host}: anyone who can reach this port can read, change and run ` +
        'every team, session and run as any user. Set AUTH_TYPE=jwt (see README, Security) or HOST=127.0.0.1. !!!',
    );
  }
  if (allowedHosts(config.edge.allowedHosts, config.http.host).any && !config.edge.allowedHosts.includes('*')) {
    warnings.push(
      `HOST=${config.http.host} listens on every interface and ALLOWED_HOSTS is not set: requests naming any Host are served. ` +
        'Set ALLOWED_HOSTS to the names clients use (README, Security: DNS rebinding).',
    );
  }
  if (config.edge.corsOrigins.includes('*')) {
    warnings.push('CORS_ORIGINS=*: pages on any site may call this API from a browser that can reach it.');
  }
  return warnings;
}

/**
 * Builds the configured, initialised (database open and migrated) but not yet listening app.
 * main.ts and the e2e tests share it, so tests exercise exactly what production runs.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger ?? new PinoNestLogger(createPinoLogger(config.log)),
    bufferLogs: options.logger === undefined,
  });
  // HTTP_BODY_LIMIT (default 1mb: galleries and team configs outgrow body-parser's 100 kB, but an
  // unbounded body is memory anyone can make us allocate). Over it: 413 from the exception filter.
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.enableShutdownHooks();
  // Every socket passes the gate at its upgrade (origin, token, connection caps) and may send
  // frames of at most WS_MAX_FRAME_BYTES, whatever its path.
  const gate = new SocketGate(app.get(CallerResolver), { ...config.edge, allowedHosts: allowedHosts(config.edge.allowedHosts, config.http.host) });
  app.useWebSocketAdapter(new PathWsAdapter(app, { pingIntervalMs: config.runs.pingIntervalMs, maxPayload: config.runs.maxFrameBytes, gate }));
  // CORS: none by default (same-origin pages need none); CORS_ORIGINS lists the others, or `*`.
  const origins = config.edge.corsOrigins;
  app.enableCors({ origin: origins.includes('*') ? '*' : origins.length > 0 ? [...origins] : false });
  setupOpenApi(app, readAppVersion());
  // The playground page (scripts/build-web.mjs): <root>/dist/web, from src/ (tests) and dist/src/ (npm start) alike.
  app.useStaticAssets(path.join(appRoot(), 'dist/web'));
  await app.init();
  return app;
}
