import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestWithCaller } from './caller.guard.js';
import type { Caller } from './caller.js';

/** The {@link Caller} decided by {@link CallerGuard}. Controllers pass it to services whole. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new Error('CurrentUser used on a route the CallerGuard did not run on');
  return caller;
});
