/**
 * Live-run capacity of this process (MAX_LIVE_RUNS, MAX_LIVE_RUNS_PER_USER), shared by every way
 * a team can run: the run socket, /ws/chat and /chat/completions. A run takes a slot before it
 * starts and gives it back when it ends; a run over either limit is refused before anything
 * is written.
 */
import { Inject, Injectable } from '@nestjs/common';
import { RunRequestError } from './run-errors.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';

@Injectable()
export class RunSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(@Inject(STREAMING_OPTIONS) private readonly options: Pick<StreamingOptions, 'maxLiveRuns' | 'maxLiveRunsPerUser'>) {}

  /** Takes a slot for `userId`, or throws a `limit` RunRequestError; returns the release function. */
  acquire(userId: string): () => void {
    const { maxLiveRuns, maxLiveRunsPerUser } = this.options;
    if (this.total >= maxLiveRuns) {
      throw new RunRequestError('limit', `The server is already running its limit of ${maxLiveRuns} runs (MAX_LIVE_RUNS); try again later`);
    }
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= maxLiveRunsPerUser) {
      throw new RunRequestError('limit', `You already have ${mine} live runs, the limit per user (MAX_LIVE_RUNS_PER_USER); stop one or wait for it to end`);
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
