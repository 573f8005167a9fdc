import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuthController } from './auth.controller.js';
import { CallerGuard } from './caller.guard.js';
import { CallerResolver } from './caller.resolver.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisConnections } from '../cluster/redis-connections.js';

/**
 * Who is calling and how often: the global guard, the resolver (also used by the run socket),
 * the REST rate limiter, `/api/auth/type` and `/api/auth/me`.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    CallerResolver,
    {
      provide: RateLimiter,
      // RedisConnections exists only in cluster mode: then the counts are shared by every instance.
      inject: [APP_CONFIG, { token: RedisConnections, optional: true }],
      useFactory: (config: AppConfig, redis?: RedisConnections) =>
        new RateLimiter(config.http.rateLimitPerMinute, redis && { redis: redis.commands, keyPrefix: redis.key('rate-limit') }),
    },
    { provide: APP_GUARD, useClass: CallerGuard },
  ],
  exports: [CallerResolver],
})
export class AuthModule {}
