/**
 * One run executing in this process: its cancellation, its pending input requests, and the
 * ordered pipeline every frame goes through — stamp `seq` → write ahead to the journal →
 * publish to viewers. Chunks are published at once and written in batches; every other frame
 * is written (with the chunks before it) before anyone sees it.
 *
 * Seq reservation (protocol §2.2: a seq is never reused, also across a crash). Chunks are sent
 * before they are stored, so after a crash the log alone cannot say which seqs viewers already
 * have. Before the run hands out seq N, seqs up to N + 1 are durably reserved (`runs.seq_reserved`),
 * and recovery numbers its terminal frame after max(last stored seq, reservation). The reservation
 * is raised a span at a time (at least SEQ_BLOCK, and twice a chunk batch) inside the writes the
 * run makes anyway, whenever less than half a span is left; so a normal run pays no extra round
 * trip, and only a batch of chunks longer than half a span forces a write of its own. The spare
 * seq N + 1 keeps the seq a terminal frame may need reserved. The price: after a crash, replay
 * shows a gap up to the reservation.
 */
import { Logger } from '@nestjs/common';
import type { AgentMessage } from '../engine/index.js';
import type { LiveRunClaim } from '../live-runs/live-run-registry.js';
import { PendingInputs } from './pending-inputs.js';
import type { RunBus } from './run-bus.js';
import type { JournalRun, JournalWrite, RunFinish, RunJournal } from './run-journal.js';
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

/** The least number of seqs reserved at a time. */
export const SEQ_BLOCK = 1000;

/** Seqs a run reserves at a time with chunk batches of `chunkFlushMax`: at least SEQ_BLOCK, and two batches. */
export function reservationSpan(chunkFlushMax: number): number {
  return Math.max(SEQ_BLOCK, 2 * (chunkFlushMax + 1));
}

export class LiveRun {
  private static readonly logger = new Logger(LiveRun.name);
  readonly inputs = new PendingInputs();
  /** Set once the terminal frame is queued: nothing may be emitted after it. */
  finished = false;
  private nextSeq: number;
  /** Seqs up to this one are durably reserved for this run. */
  private reserved: number;
  private readonly span: number;
  /** Published chunks not yet committed; replay reads them so a joining viewer sees no gap. */
  private unflushed: RunFrame[] = [];
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;

  /**
   * `lastSeq` is the run's last stored seq; `reservedSeq` its durable reservation (what
   * `RunJournal.activate` reserved). The no-reuse guarantee needs `reservedSeq > lastSeq`; with
   * less, the first frame reserves first.
   */
  constructor(
    readonly run: JournalRun,
    lastSeq: number,
    readonly options: LiveRunOptions,
    private readonly control: RunControl,
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
    reservedSeq = lastSeq,
  ) {
    this.nextSeq = lastSeq + 1;
    this.reserved = reservedSeq;
    this.span = reservationSpan(options.chunkFlushMax);
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
   * which gives the run natural back-pressure from the database. Rejects when the journal write
   * fails (after its retries); the frame is then not published, and later frames still flow.
   */
  emit(body: RunFrameBody, messages?: AgentMessage[]): Promise<void> {
    if (this.finished) return Promise.reject(new Error(`Run ${this.run.id} has already finished`));
    return this.enqueue(async () => {
      await this.reserveAhead();
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
      await this.reserveAhead();
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

  /** Before nextSeq is handed out: seqs up to nextSeq + 1 must be durably reserved (see the class comment). */
  private async reserveAhead(): Promise<void> {
    if (this.reserved > this.nextSeq) return;
    const through = this.nextSeq + this.span;
    await this.journal.reserve(this.run.id, through);
    this.reserved = Math.max(this.reserved, through);
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

  /**
   * Writes the waiting chunks ahead of `write`'s frames, raising the reservation in the same
   * transaction when less than half a span is left; drops the chunks from memory once committed.
   */
  private async writeWithChunks(write: JournalWrite): Promise<void> {
    const chunkCount = this.unflushed.length;
    const highest = this.nextSeq - 1;
    const reserveThrough = this.reserved - highest < this.span / 2 ? highest + this.span : undefined;
    await this.journal.write(this.run, { ...write, frames: [...this.unflushed, ...write.frames], ...(reserveThrough === undefined ? {} : { reserveThrough }) });
    if (reserveThrough !== undefined) this.reserved = Math.max(this.reserved, reserveThrough);
    this.unflushed.splice(0, chunkCount);
    if (this.unflushed.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
  }
}
