import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors.js';
import { sandboxOwnerOf } from '../engine/index.js';
import { LiveRunRegistry, SHUTDOWN_REASON } from './live-run-registry.js';
import { LocalAdmission, type AdmissionHold, type AdmissionRequest, type RunAdmission } from './run-admission.js';

const LIMITS = { inputTimeoutS: 60, maxTurns: 100, maxSeconds: 3600 };
const registry = (maxLiveRuns = 10, maxLiveRunsPerUser = 5, admission: RunAdmission = new LocalAdmission()) =>
  new LiveRunRegistry({ maxLiveRuns, maxLiveRunsPerUser, limits: LIMITS }, admission);

/** A body that runs until its claim is stopped, and records the reason. */
const untilStopped = (signal: AbortSignal, reasons: string[]) => () =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => (reasons.push(String(signal.reason)), resolve()), { once: true }));

async function refusal(claim: Promise<unknown>): Promise<AppError> {
  try {
    await claim;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** An admission whose answers the spec gives by hand, recording what it was asked and released. */
class ManualAdmission implements RunAdmission {
  readonly asked: AdmissionRequest[] = [];
  readonly released: string[] = [];
  private readonly answers: { resolve: (hold: AdmissionHold) => void; reject: (error: unknown) => void; key: string }[] = [];

  admit(request: AdmissionRequest): Promise<AdmissionHold> {
    this.asked.push(request);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject, key: request.key }));
  }

  admitNext(): void {
    const answer = this.answers.shift()!;
    answer.resolve({ release: async () => void this.released.push(answer.key) });
  }

  refuseNext(error: AppError): void {
    this.answers.shift()!.reject(error);
  }
}

describe(LiveRunRegistry.name, () => {
  it('admits one run per key: a second claim is a conflict with the caller’s message, until the first is released', async () => {
    const runs = registry();
    const first = await runs.claim('run:1', 'ann', { conflictMessage: 'Run 1 has already been started' });
    const second = refusal(runs.claim('run:1', 'ann', { conflictMessage: 'Run 1 has already been started' }));
    expect(await second).toMatchObject({ kind: 'conflict', message: 'Run 1 has already been started' });
    first.release();
    expect(runs.isLive('run:1')).toBe(false);
    await expect(runs.claim('run:1', 'ann')).resolves.toMatchObject({ key: 'run:1' });
  });

  it('counts every claim against MAX_LIVE_RUNS and MAX_LIVE_RUNS_PER_USER, and frees the slot when the body settles', async () => {
    const runs = registry(10, 1);
    const claim = await runs.claim('ws-chat:a', 'ann');
    expect((await refusal(runs.claim('validate:b', 'ann'))).kind).toBe('too_many');
    expect(runs.count('ann')).toBe(1);
    await expect(claim.run(async () => 'answer')).resolves.toBe('answer');
    expect(runs.count('ann')).toBe(0);
    const failing = await runs.claim('validate:b', 'ann');
    await expect(failing.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(runs.count()).toBe(0);
  });

  it('records the run’s signal as its user’s, for the Python sandbox’s per-user cap (PYTHON_MAX_PROCESSES_PER_USER)', async () => {
    const runs = registry();
    const ann = await runs.claim('validate:c', 'ann');
    const bob = await runs.claim('validate:d', 'bob');
    expect(sandboxOwnerOf(ann.signal)).toBe('ann');
    expect(sandboxOwnerOf(bob.signal)).toBe('bob');
    expect(sandboxOwnerOf(new AbortController().signal)).toBeUndefined();
    await Promise.all([ann.run(async () => undefined), bob.run(async () => undefined)]);
  });

  it('stop(key) aborts with the reason and resolves only when the run’s body has settled', async () => {
    const runs = registry();
    const claim = await runs.claim('run:7', 'ann');
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

  it('keeps the first stop reason', async () => {
    const claim = await registry().claim('run:1', 'ann');
    claim.stop('first');
    claim.stop('second');
    expect(claim.signal.reason).toBe('first');
  });

  it('shutdown stops every live run with "Server shutdown", waits for them, and refuses new runs', async () => {
    const runs = registry();
    const reasons: string[] = [];
    for (const key of ['run:1', 'ws-chat:x', 'completion:ann\nc1']) {
      const claim = await runs.claim(key, 'ann');
      claim.launch(untilStopped(claim.signal, reasons));
    }
    await runs.beforeApplicationShutdown();
    expect(reasons).toEqual([SHUTDOWN_REASON, SHUTDOWN_REASON, SHUTDOWN_REASON]);
    expect(runs.count()).toBe(0);
    expect((await refusal(runs.claim('run:2', 'ann'))).kind).toBe('unavailable');
    await expect(runs.shutdown()).resolves.toBeUndefined();
  });

  it('stopScope stops exactly the runs of a session or a team, and waits for them', async () => {
    const runs = registry();
    const reasons: Record<string, string[]> = {};
    const start = async (key: string, scope: { sessionId: number; teamId: number }) => {
      const claim = await runs.claim(key, 'ann', { scope });
      reasons[key] = [];
      claim.launch(untilStopped(claim.signal, reasons[key]));
    };
    await start('run:1', { sessionId: 1, teamId: 10 });
    await start('run:2', { sessionId: 2, teamId: 10 });
    await start('run:3', { sessionId: 3, teamId: 11 });
    await expect(runs.stopScope({ sessionId: 1 }, 'Session deleted')).resolves.toBe(1);
    await expect(runs.stopScope({ teamId: 10 }, 'Team deleted')).resolves.toBe(1);
    expect(reasons).toEqual({ 'run:1': ['Session deleted'], 'run:2': ['Team deleted'], 'run:3': [] });
    expect(runs.isLive('run:3')).toBe(true);
  });

  it('shutdown also waits for a run still being prepared, until it has run (already stopped) or been released', async () => {
    const runs = registry();
    const preparing = await runs.claim('run:1', 'ann');
    const abandoned = await runs.claim('run:2', 'ann');
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

  it('hands every claim the server’s run caps', async () => {
    expect((await registry().claim('run:1', 'ann')).limits).toEqual(LIMITS);
  });

  it('decides the key before the first await: of two concurrent claims of one key, the second is refused at once', async () => {
    const admission = new ManualAdmission();
    const runs = registry(10, 5, admission);
    const first = runs.claim('completion:ann\nc1', 'ann', { conflictMessage: 'busy' });
    const second = runs.claim('completion:ann\nc1', 'ann', { conflictMessage: 'busy' });
    expect(await refusal(second)).toMatchObject({ kind: 'conflict', message: 'busy' });
    expect(admission.asked).toEqual([{ key: 'completion:ann\nc1', userId: 'ann', maxLiveRunsPerUser: 5, conflictMessage: 'busy' }]);
    admission.admitNext();
    const claim = await first;
    await claim.run(async () => undefined);
    expect(admission.released).toEqual(['completion:ann\nc1']);
    expect(runs.count()).toBe(0);
  });

  it('a claim the admission refuses keeps its error and leaves nothing held here', async () => {
    const admission = new ManualAdmission();
    const runs = registry(1, 1, admission);
    const claim = runs.claim('run:1', 'ann', { conflictMessage: 'Run 1 has already been started' });
    expect(runs.count('ann')).toBe(1);
    admission.refuseNext(new AppError('too_many', 'You already have 1 live runs across the cluster (MAX_LIVE_RUNS_PER_USER)'));
    expect(await refusal(claim)).toMatchObject({ kind: 'too_many', message: expect.stringContaining('MAX_LIVE_RUNS_PER_USER') });
    expect(runs.count()).toBe(0);
    expect(runs.isLive('run:1')).toBe(false);
    // The slot (MAX_LIVE_RUNS 1) and the key are free again.
    const again = runs.claim('run:1', 'ann');
    admission.admitNext();
    await expect(again).resolves.toMatchObject({ key: 'run:1' });
  });

  it('run resolves only once the admission’s hold is released, and release() gives it back once', async () => {
    let releaseHold!: () => void;
    const admission: RunAdmission = {
      admit: async () => ({ release: () => new Promise<void>((resolve) => (releaseHold = resolve)) }),
    };
    const runs = registry(10, 5, admission);
    const claim = await runs.claim('ws-chat:a', 'ann');
    let ended = false;
    const running = claim.run(async () => 'answer').then(() => (ended = true));
    await new Promise((resolve) => setImmediate(resolve));
    // Free here at once, still held across the cluster: the run has not ended for its caller yet.
    expect(runs.isLive('ws-chat:a')).toBe(false);
    expect(ended).toBe(false);
    releaseHold();
    await running;
    expect(ended).toBe(true);
  });

  it('a shutdown during admission stops the claim, which its caller then sees already stopped', async () => {
    const admission = new ManualAdmission();
    const runs = registry(10, 5, admission);
    const pending = runs.claim('run:1', 'ann');
    const shutdown = runs.shutdown();
    admission.admitNext();
    const claim = await pending;
    expect(claim.signal.reason).toBe(SHUTDOWN_REASON);
    claim.launch(async () => undefined);
    await shutdown;
    expect(admission.released).toEqual(['run:1']);
    expect((await refusal(runs.claim('run:2', 'ann'))).kind).toBe('unavailable');
  });
});
