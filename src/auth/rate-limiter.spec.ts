import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '../common/errors.js';
import { RateLimiter } from './rate-limiter.js';

describe(RateLimiter.name, () => {
  it('allows the limit per key per minute, then refuses with the seconds left', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(3, () => now);
    for (let i = 0; i < 3; i++) limiter.hit('a');
    now += 15_000;
    let refused: unknown;
    try {
      limiter.hit('a');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused).toMatchObject({ retryAfterS: 45, limitPerMinute: 3 });
    expect(() => limiter.hit('b')).not.toThrow();
  });

  it('starts a fresh window once the minute is over', () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    limiter.hit('a');
    expect(() => limiter.hit('a')).toThrow(TooManyRequestsError);
    now += 60_000;
    expect(() => limiter.hit('a')).not.toThrow();
  });

  it('never refuses when the limit is 0', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 10_000; i++) limiter.hit('a');
    expect(limiter.size).toBe(0);
  });

  it('forgets keys whose window is over', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now);
    for (let i = 0; i < 100; i++) limiter.hit(`ip-${i}`);
    now += 61_000;
    limiter.hit('late');
    expect(limiter.size).toBe(1);
  });
});
