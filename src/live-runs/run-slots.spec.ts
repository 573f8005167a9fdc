import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors.js';
import { RunSlots } from './run-slots.js';

describe(RunSlots.name, () => {
  it('refuses past the per-user limit, and frees the slot on release (once)', () => {
    const slots = new RunSlots({ maxLiveRuns: 10, maxLiveRunsPerUser: 2 });
    const a = slots.acquire('ann');
    slots.acquire('ann');
    expect(() => slots.acquire('ann')).toThrow(/limit per user \(MAX_LIVE_RUNS_PER_USER\)/);
    expect(slots.acquire('bob')).toEqual(expect.any(Function));
    a();
    a();
    expect(slots.count('ann')).toBe(1);
    expect(slots.count()).toBe(2);
    expect(slots.acquire('ann')).toEqual(expect.any(Function));
  });

  it('refuses past the total limit whoever asks', () => {
    const slots = new RunSlots({ maxLiveRuns: 2, maxLiveRunsPerUser: 5 });
    slots.acquire('ann');
    slots.acquire('bob');
    const refusal = (() => {
      try {
        slots.acquire('cat');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).kind).toBe('too_many');
    expect((refusal as Error).message).toMatch(/MAX_LIVE_RUNS/);
  });
});
