import { SetMetadata } from '@nestjs/common';

export const NOT_RATE_LIMITED = 'teamstream:not-rate-limited';

/**
 * Keeps a controller's (or a route's) requests out of RATE_LIMIT_PER_MINUTE: a load balancer's or
 * an orchestrator's probe refused with 429 would take a healthy instance out of rotation, or
 * restart it, for traffic that is not its own.
 */
export const NotRateLimited = (): MethodDecorator & ClassDecorator => SetMetadata(NOT_RATE_LIMITED, true);
