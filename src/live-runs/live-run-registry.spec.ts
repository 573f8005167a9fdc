import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors.js';
import { currentSandboxOwner } from '../engine/index.js';
import { LiveRunRegistry, SHUTDOWN_REASON } from './live-run-registry.js';

const LIMITS = { inputTimeoutS: 60, maxTurns: 100, maxSeconds: 3600 };
const registry = (maxLiveRuns = 10, maxLiveRunsPerUser = 5) => new LiveRunRegistry({ maxLiveRuns, maxLiveRunsPerUser, limits: LIMITS });

/** A body that runs until its claim is stopped, and records the reason. */
const untilStopped = (signal: AbortSignal, reasons: string[]) => () =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => (reasons.push(String(signal.reason)), resolve()), { once: true }));

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe(LiveRunRegistry.name, () => {
  it('admits one run per key: a second claim is a conflict with the caller’s message, until the first is released', () => {
    const runs = registry();
    const first = runs.claim('run:1', 'ann', { conflictMessage: 'Run 1 has already been started' });
    const second = refusal(() => runs.claim('run:1', 'ann', { conflictMessage: 'Run 1 has already been started' }));
    expect(second).toMatchObject({ kind: 'conflict', message: 'Run 1 has already been started' });
    first.release();
    expect(runs.isLive('run:1')).toBe(false);
    expect(() => runs.claim('run:1', 'ann')).not.toThrow();
  });

  it('counts every claim against MAX_LIVE_RUNS and MAX_LIVE_RUNS_PER_USER, and frees the slot when the body settles', async () => {
    const runs = registry(10, 1);
    const claim = runs.claim('ws-chat:a', 'ann');
    expect(refusal(() => runs.claim('validate:b', 'ann')).kind).toBe('too_many');
    expect(runs.count('ann')).toBe(1);
    await expect(claim.run(async () => 'answer')).resolves.toBe('answer');
    expect(runs.count('ann')).toBe(0);
    const failing = runs.claim('validate:b', 'ann');
    await expect(failing.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(runs.count()).toBe(0);
  });

  it('runs the body as its user’s, for the Python sandbox’s per-user cap (PYTHON_MAX_PROCESSES_PER_USER)', async () => {
    const runs = registry();
    const owner = await runs.claim('validate:c', 'ann').run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentSandboxOwner();
    });
    expect(owner).toBe('ann');
    expect(currentSandboxOwner()).toBeUndefined();
  });

  it('stop(key) aborts with the reason and resolves only when the run’s body has settled', async () => {
    const runs = registry();
    const claim = runs.claim('run:7', 'ann');
    const reasons: string[] = [];
    let settled = false;
    claim.launch(async () => {
      await untilStopped(claim.signal, reasons)();
      await Promise.resolve();
      settled = true;
    });
    await expect(runs.stop('run:7', 'User requested stop/cancellation')).resolves.toBe(true);
    expect(settled).toBe(true);
    expect(reasons).toEqual(['User requested stop/cancellation']);
    await expect(runs.stop('run:7', 'again')).resolves.toBe(false);
  });

  it('keeps the first stop reason', () => {
    const claim = registry().claim('run:1', 'ann');
    claim.stop('first');
    claim.stop('second');
    expect(claim.signal.reason).toBe('first');
  });

  it('shutdown stops every live run with "Server shutdown", waits for them, and refuses new runs', async () => {
    const runs = registry();
    const reasons: string[] = [];
    for (const key of ['run:1', 'ws-chat:x', 'completion:ann\nc1']) {
      const claim = runs.claim(key, 'ann');
      claim.launch(untilStopped(claim.signal, reasons));
    }
    await runs.beforeApplicationShutdown();
    expect(reasons).toEqual([SHUTDOWN_REASON, SHUTDOWN_REASON, SHUTDOWN_REASON]);
    expect(runs.count()).toBe(0);
    expect(refusal(() => runs.claim('run:2', 'ann')).kind).toBe('unavailable');
    await expect(runs.shutdown()).resolves.toBeUndefined();
  });

  it('stopScope stops exactly the runs of a session or a team, and waits for them', async () => {
    const runs = registry();
    const reasons: Record<string, string[]> = {};
    const start = (key: string, scope: { sessionId: number; teamId: number }) => {
      const claim = runs.claim(key, 'ann', { scope });
      reasons[key] = [];
      claim.launch(untilStopped(claim.signal, reasons[key]));
    };
    start('run:1', { sessionId: 1, teamId: 10 });
    start('run:2', { sessionId: 2, teamId: 10 });
    start('run:3', { sessionId: 3, teamId: 11 });
    await expect(runs.stopScope({ sessionId: 1 }, 'Session deleted')).resolves.toBe(1);
    await expect(runs.stopScope({ teamId: 10 }, 'Team deleted')).resolves.toBe(1);
    expect(reasons).toEqual({ 'run:1': ['Session deleted'], 'run:2': ['Team deleted'], 'run:3': [] });
    expect(runs.isLive('run:3')).toBe(true);
  });

  it('shutdown also waits for a run still being prepared, until it has run (already stopped) or been released', async () => {
    const runs = registry();
    const preparing = runs.claim('run:1', 'ann');
    const abandoned = runs.claim('run:2', 'ann');
    let drained = false;
    const shutdown = runs.shutdown().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    // The preparation ends (as after activating the run in the database): the body sees the stop at once.
    const reasons: string[] = [];
    preparing.launch(async () => void reasons.push(String(preparing.signal.reason)));
    abandoned.release();
    await shutdown;
    expect(reasons).toEqual([SHUTDOWN_REASON]);
    expect(runs.count()).toBe(0);
  });

  it('hands every claim the server’s run caps', () => {
    expect(registry().claim('run:1', 'ann').limits).toEqual(LIMITS);
  });
});
