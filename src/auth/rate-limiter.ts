/**
 * A per-key fixed-window request counter, in memory. Fixed windows are the simplest bound that
 * is still a bound: a key can make at most `limit` requests per window, or up to twice that
 * across a window boundary. Counters live in this process only, so several instances behind a
 * load balancer each allow the limit (documented in the README).
 */
import { TooManyRequestsError } from '../common/errors.js';

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  /** `limitPerMinute` 0 disables the limiter. `now` is replaceable so specs need not wait a minute. */
  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Counts one request for `key`; throws TooManyRequestsError (with Retry-After) when over. */
  hit(key: string): void {
    if (this.limitPerMinute === 0) return;
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count > this.limitPerMinute) {
      throw new TooManyRequestsError(Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)), this.limitPerMinute);
    }
  }

  /** Drops finished windows once a window, so memory follows the keys active in the last minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < WINDOW_MS) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (now - window.start >= WINDOW_MS) this.windows.delete(key);
  }

  /** How many keys are being counted (for the spec of the sweep). */
  get size(): number {
    return this.windows.size;
  }
}
