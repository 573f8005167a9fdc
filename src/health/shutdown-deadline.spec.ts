import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { armShutdownDeadline } from './shutdown-deadline.js';

describe(armShutdownDeadline.name, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(graceS: number) {
    vi.useFakeTimers();
    const signals = new EventEmitter();
    const exit = vi.fn<(code: number) => void>();
    const warn = vi.fn<(message: string) => void>();
    const disarm = armShutdownDeadline(graceS, { on: (s, l) => signals.once(s, l), exit, warn });
    return { signals, exit, warn, disarm };
  }

  it('exits 1 with a warning naming SHUTDOWN_GRACE_S once the grace has passed after a signal', () => {
    const { signals, exit, warn } = harness(5);
    signals.emit('SIGTERM');
    vi.advanceTimersByTime(4_999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(1);
    expect(warn.mock.calls[0]![0]).toMatch(/SIGTERM.*SHUTDOWN_GRACE_S=5s/);
  });

  it('does nothing without a signal, and a second signal does not restart the clock', () => {
    const { signals, exit } = harness(2);
    vi.advanceTimersByTime(10_000);
    expect(exit).not.toHaveBeenCalled();
    signals.emit('SIGINT');
    vi.advanceTimersByTime(1_500);
    signals.emit('SIGTERM');
    vi.advanceTimersByTime(500);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('a disarmed deadline never exits (the drain finished in time)', () => {
    const { signals, exit, disarm } = harness(1);
    signals.emit('SIGTERM');
    disarm();
    vi.advanceTimersByTime(5_000);
    expect(exit).not.toHaveBeenCalled();
  });
});
