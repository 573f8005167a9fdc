import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller.js';
import { CallerGuard } from './caller.guard.js';
import { CallerResolver } from './caller.resolver.js';

/** Who is calling: the global guard, the resolver (also usable by the WebSocket layer), `/api/auth/type`. */
@Global()
@Module({
  controllers: [AuthController],
  providers: [CallerResolver, { provide: APP_GUARD, useClass: CallerGuard }],
  exports: [CallerResolver],
})
export class AuthModule {}
