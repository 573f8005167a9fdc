import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Caller } from './caller.js';
import { CallerResolver } from './caller.resolver.js';
import { NOT_RATE_LIMITED } from './not-rate-limited.decorator.js';
import { RateLimiter } from './rate-limiter.js';

/** Request with the caller the guard resolved (absent on excluded paths under jwt). */
export type RequestWithCaller = Request & { caller?: Caller };

/**
 * Global guard: resolves the caller once per HTTP request, attaches it for `@CurrentUser()`, and
 * counts the request against RATE_LIMIT_PER_MINUTE (across the cluster in cluster mode). The key is the verified user under jwt, else
 * the client IP: with auth off `user_id` is only a claim, and keying on it would let a client
 * dodge the limit by changing it. Requests with a bad token are counted (by IP) before the 401,
 * so guessing tokens is rate limited too. Routes marked @NotRateLimited() (the health probes) are not counted.
 */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly resolver: CallerResolver,
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<RequestWithCaller>();
    let caller: Caller | null = null;
    let refusal: Error | undefined;
    try {
      caller = this.resolver.resolve(req);
    } catch (error) {
      refusal = error as Error;
    }
    // Counted whether or not the caller resolved (a 429 wins over the 401); a refusal propagates after the count.
    const counted = !this.reflector.getAllAndOverride<boolean>(NOT_RATE_LIMITED, [context.getHandler(), context.getClass()]);
    if (counted)
      await this.limiter.hit(caller && this.resolver.type === 'jwt' ? `user:${caller.userId}` : `ip:${req.ip ?? req.socket.remoteAddress ?? '?'}`);
    if (refusal !== undefined) throw refusal;
    if (caller) req.caller = caller;
    return true;
  }
}
