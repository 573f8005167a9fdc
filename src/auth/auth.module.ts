import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuthController } from './auth.controller.js';
import { CallerGuard } from './caller.guard.js';
import { CallerResolver } from './caller.resolver.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Who is calling and how often: the global guard, the resolver (also used by the run socket),
 * the REST rate limiter, `/api/auth/type` and `/api/auth/me`.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    CallerResolver,
    { provide: RateLimiter, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new RateLimiter(config.http.rateLimitPerMinute) },
    { provide: APP_GUARD, useClass: CallerGuard },
  ],
  exports: [CallerResolver],
})
export class AuthModule {}
