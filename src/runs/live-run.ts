/**
 * One run executing in this process: its cancellation, its pending input requests, and the
 * ordered pipeline every frame goes through — stamp `seq` → write ahead to the journal →
 * publish to viewers. Chunks are published at once and written in batches; every other frame
 * is written (with the chunks before it) before anyone sees it.
 */
import { Logger } from '@nestjs/common';
import type { AgentMessage } from '../engine/index.js';
import type { LiveRunClaim } from '../live-runs/live-run-registry.js';
import { PendingInputs } from './pending-inputs.js';
import type { RunBus } from './run-bus.js';
import type { JournalRun, RunFinish, RunJournal } from './run-journal.js';
import type { RunFrame, RunFrameBody } from './ws-frames.js';

export interface LiveRunOptions {
  /** Unwritten chunks are flushed after this many milliseconds… */
  chunkFlushMs: number;
  /** …or as soon as this many are waiting, whichever comes first. */
  chunkFlushMax: number;
  /** What closing the last viewer does. */
  onDisconnect: 'detach' | 'stop';
}

/** How the run is stopped: its LiveRunRegistry claim. */
export type RunControl = Pick<LiveRunClaim, 'signal' | 'stop'>;

export class LiveRun {
  private static readonly logger = new Logger(LiveRun.name);
  readonly inputs = new PendingInputs();
  /** Set once the terminal frame is queued: nothing may be emitted after it. */
  finished = false;
  private nextSeq: number;
  /** Published chunks not yet committed; replay reads them so a joining viewer sees no gap. */
  private readonly unflushed: RunFrame[] = [];
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly run: JournalRun,
    lastSeq: number,
    readonly options: LiveRunOptions,
    private readonly control: RunControl,
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  get signal(): AbortSignal {
    return this.control.signal;
  }

  /** Frames published but not yet in the journal, in seq order. */
  pendingFrames(): readonly RunFrame[] {
    return this.unflushed;
  }

  /**
   * Emits a frame; resolves once it is durable (non-chunk) or queued (chunk). Callers await it,
   * which gives the run natural back-pressure from the database.
   */
  emit(body: RunFrameBody, messages?: AgentMessage[]): Promise<void> {
    if (this.finished) return Promise.reject(new Error(`Run ${this.run.id} has already finished`));
    return this.enqueue(async () => {
      const frame = this.stamp(body);
      if (frame.type === 'message_chunk') {
        this.unflushed.push(frame);
        this.bus.publish(frame);
        if (this.unflushed.length >= this.options.chunkFlushMax) await this.flushChunks();
        else this.scheduleFlush();
        return;
      }
      await this.writeWithChunks({ frames: [frame], messages });
      this.bus.publish(frame);
    });
  }

  /** Emits the terminal frame and moves the run to its terminal status in one transaction. */
  finish(body: RunFrameBody, finish: RunFinish): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.finished = true;
    this.inputs.cancelAll(finish.stop_reason ?? finish.status);
    return this.enqueue(async () => {
      const frame = this.stamp(body);
      await this.writeWithChunks({ frames: [frame], finish });
      this.bus.publish(frame);
      clearTimeout(this.flushTimer);
    });
  }

  /** Cancels whatever the run is doing; the run driver turns this into its `completion` frame. */
  cancel(reason: string): void {
    this.control.stop(reason);
  }

  private stamp(body: RunFrameBody): RunFrame {
    return { ...body, run_id: this.run.id, seq: this.nextSeq++ } as RunFrame;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    // A failed write must not wedge every later frame; the caller of that write sees the error.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.enqueue(() => this.flushChunks()).catch((error: unknown) =>
        LiveRun.logger.error(`Run ${this.run.id}: writing chunks failed: ${String(error)}`),
      );
    }, this.options.chunkFlushMs);
    this.flushTimer.unref();
  }

  private async flushChunks(): Promise<void> {
    if (this.unflushed.length === 0) return;
    await this.writeWithChunks({ frames: [] });
  }

  /** Writes the waiting chunks ahead of `write`'s frames; drops them from memory only once committed. */
  private async writeWithChunks(write: Parameters<RunJournal['write']>[1]): Promise<void> {
    const chunkCount = this.unflushed.length;
    await this.journal.write(this.run, { ...write, frames: [...this.unflushed, ...write.frames] });
    this.unflushed.splice(0, chunkCount);
    if (this.unflushed.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }
}
