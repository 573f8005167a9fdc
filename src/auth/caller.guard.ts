import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { Caller } from './caller.js';
import { CallerResolver } from './caller.resolver.js';

/** Request with the caller the guard resolved. */
export type RequestWithCaller = Request & { caller?: Caller };

/** Global guard: resolves the caller once per HTTP request and attaches it for `@CurrentUser()`. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(private readonly resolver: CallerResolver) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<RequestWithCaller>();
    req.caller = this.resolver.resolve(req);
    return true;
  }
}
