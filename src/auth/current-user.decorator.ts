import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestWithCaller } from './caller.guard.js';

/** The calling user's id, as decided by {@link CallerGuard}. Controllers pass it to services. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const caller = ctx.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new Error('CurrentUser used on a route the CallerGuard did not run on');
  return caller.userId;
});
