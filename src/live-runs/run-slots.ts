/**
 * Live-run capacity of this process (MAX_LIVE_RUNS, MAX_LIVE_RUNS_PER_USER). The LiveRunRegistry
 * takes a slot for every run it admits, whichever front end asks, and gives it back when the
 * run ends; a run over either limit is refused before anything is written.
 */
import { AppError } from '../common/errors.js';

export interface SlotLimits {
  /** Live runs in this process, in total. */
  maxLiveRuns: number;
  /** Live runs of one user. */
  maxLiveRunsPerUser: number;
}

export class RunSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly options: SlotLimits) {}

  /** Takes a slot for `userId`, or throws a `too_many` AppError; returns the release function (idempotent). */
  acquire(userId: string): () => void {
    const { maxLiveRuns, maxLiveRunsPerUser } = this.options;
    if (this.total >= maxLiveRuns) {
      throw new AppError('too_many', `The server is already running its limit of ${maxLiveRuns} runs (MAX_LIVE_RUNS); try again later`);
    }
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= maxLiveRunsPerUser) {
      throw new AppError(
        'too_many',
        `You already have ${mine} live runs, the limit per user (MAX_LIVE_RUNS_PER_USER); stop one or wait for it to end`,
      );
    }
    this.total++;
    this.perUser.set(userId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
  }

  /** Live runs now, in total or of one user. */
  count(userId?: string): number {
    return userId === undefined ? this.total : (this.perUser.get(userId) ?? 0);
  }
}
