/**
 * The REST rate limit (RATE_LIMIT_PER_MINUTE requests per key per minute; 0 disables it), through
 * rate-limiter-flexible: a fixed window of 60 s per key that starts with the key's first request,
 * so a key makes at most the limit per window (up to twice that across a window boundary).
 *
 * One process (CLUSTER=off): counters in memory (RateLimiterMemory). Cluster mode (CLUSTER=redis):
 * counters in Redis (RateLimiterRedis, one atomic Lua increment per request, keys
 * `<REDIS_KEY_PREFIX>rate-limit:<key>`), so the limit holds across every instance together. When
 * Redis is out of reach (not connected, or no answer within REDIS_RATE_LIMIT_TIMEOUT_MS) each
 * instance falls back to its own in-memory counter (the library's insuranceLimiter): requests
 * stay limited, per instance, rather than all refused or all let through.
 */
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../common/errors.js';

const WINDOW_S = 60;

/** How long a request waits for Redis's count before the in-memory fallback answers (ms). */
export const REDIS_RATE_LIMIT_TIMEOUT_MS = 500;

export interface RateLimitStore {
  /** The shared command connection (RedisConnections.commands). */
  redis: Redis;
  /** Key prefix of the counters, e.g. `teamstream:rate-limit` (the library adds `:<key>`). */
  keyPrefix: string;
}

export class RateLimiter {
  private readonly limiter: RateLimiterAbstract | RLWrapperTimeouts | undefined;

  /** `limitPerMinute` 0 disables the limiter; with `store` the counts are shared through Redis. */
  constructor(
    private readonly limitPerMinute: number,
    store?: RateLimitStore,
  ) {
    if (limitPerMinute === 0) return;
    const memory = new RateLimiterMemory({ points: limitPerMinute, duration: WINDOW_S });
    if (!store) {
      this.limiter = memory;
      return;
    }
    const redis = new RateLimiterRedis({
      storeClient: store.redis,
      keyPrefix: store.keyPrefix,
      points: limitPerMinute,
      duration: WINDOW_S,
      // Not connected: fail at once (the wrapper's insurance answers) rather than queue behind a reconnect.
      rejectIfRedisNotReady: true,
    });
    this.limiter = new RLWrapperTimeouts({ limiter: redis, timeoutMs: REDIS_RATE_LIMIT_TIMEOUT_MS, insuranceLimiter: memory });
  }

  /**
   * Counts one request for `key`; rejects with TooManyRequestsError (its retryAfterS, whole
   * seconds ≥ 1, becomes the 429's Retry-After) when the key is over the limit.
   */
  async hit(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), this.limitPerMinute);
      }
      throw rejection;
    }
  }
}
