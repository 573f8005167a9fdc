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
 * seq N + 1 is what lets the run end without the database: abandon()'s terminal frame takes it,
 * and recovery never will. The price: after a crash, replay shows a gap up to the reservation.
 *
 * Compaction (protocol §2.2, `compactChunks`): a chunk's `full_message_id` names the final message
 * of its turn. The write of that message drops the turn's chunks: those still unwritten are not
 * written (viewers had them live), and those already written are deleted in the same transaction
 * (JournalWrite.compact), so a run without chunks pays nothing. Replay of a finished turn then
 * gives a gap over the chunks' seqs, then the message. The chunks of the turn in progress stay,
 * stored or pending, so a viewer joining mid-turn sees no gap.
 *
 * Frame limit (`maxFrames`, RUN_MAX_FRAMES): counts every frame the run emits, chunks included even
 * though compaction deletes them later, because one long turn streams (and stores, until its
 * message) all its chunks first; the bound has to hold while the turn runs. The terminal frame
 * counts too, and always has room: the frame that would leave none is dropped and the run is
 * cancelled with `Frame limit of <n> reached (RUN_MAX_FRAMES)`.
 */
import { Logger } from '@nestjs/common';
import { storableText } from '../database/storable-text.js';
import { addUsage, createMessage, ZERO_USAGE, type AgentMessage, type RequestUsage } from '../engine/index.js';
import type { LiveRunClaim } from '../live-runs/live-run-registry.js';
import { PendingInputs } from './pending-inputs.js';
import type { RunBus } from './run-bus.js';
import type { JournalRun, JournalWrite, RunFinish, RunJournal, SeqRange } from './run-journal.js';
import { frames, isTerminalFrame, type RunFrame, type RunFrameBody, type TeamResult } from './ws-frames.js';
import { runLine } from '../observability/run-log.js';

export interface LiveRunOptions {
  /** Unwritten chunks are flushed after this many milliseconds… */
  chunkFlushMs: number;
  /** …or as soon as this many are waiting, whichever comes first. */
  chunkFlushMax: number;
  /** What closing the last viewer does. */
  onDisconnect: 'grace' | 'detach' | 'stop';
  /** Drop a turn's chunks from the log once its final message is stored (see the class comment). */
  compactChunks: boolean;
  /** Frames the run may emit, its terminal frame included (see the class comment). */
  maxFrames: number;
}

/** How the run is stopped: its LiveRunRegistry claim. */
export type RunControl = Pick<LiveRunClaim, 'signal' | 'stop'>;

/** The least number of seqs reserved at a time. */
export const SEQ_BLOCK = 1000;

/** Seqs a run reserves at a time with chunk batches of `chunkFlushMax`: at least SEQ_BLOCK, and two batches. */
export function reservationSpan(chunkFlushMax: number): number {
  return Math.max(SEQ_BLOCK, 2 * (chunkFlushMax + 1));
}

/** The stop reason of a run cancelled at its frame limit. */
export const frameLimitReason = (maxFrames: number): string => `Frame limit of ${maxFrames} reached (RUN_MAX_FRAMES)`;

/** How the stop reason of a run that ended without the database starts. */
export const DATABASE_UNAVAILABLE = 'Database unavailable';

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
  /** Seqs of written chunks per turn (`full_message_id`) whose message has not come yet: what compaction deletes. */
  private readonly writtenChunks = new Map<string, SeqRange[]>();
  /** Frames emitted (stamped) by this LiveRun, counted against `maxFrames`. */
  private emitted = 0;
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Usage of the messages published so far, for a terminal frame the run has to make itself. */
  private usage: RequestUsage = { ...ZERO_USAGE };
  private readonly startedAt = performance.now();
  /** Set by abandon(): the frames viewers got that are not stored yet, and when they are. */
  private ending: { frames: RunFrame[]; stored: Promise<void> } | undefined;

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

  /** True once the run ended without the database ({@link abandon}). */
  get abandoned(): boolean {
    return this.ending !== undefined;
  }

  /** After {@link abandon}: settles when the run's end is stored (maybe never, while the database is away). */
  get endStored(): Promise<void> | undefined {
    return this.ending?.stored;
  }

  /** Frames published but not yet in the journal, in seq order (after abandon(), its terminal frame last). */
  pendingFrames(): readonly RunFrame[] {
    return this.ending?.frames ?? this.unflushed;
  }

  /**
   * Emits a frame; resolves once it is durable (non-chunk) or queued (chunk). Callers await it,
   * which gives the run natural back-pressure from the database. Rejects when the journal write
   * fails (after its retries); the frame is then not published, later frames still flow, and it
   * is up to the run's owner to {@link abandon} it.
   */
  emit(body: RunFrameBody, messages?: AgentMessage[]): Promise<void> {
    if (this.finished) return Promise.reject(new Error(`Run ${this.run.id} has already finished`));
    return this.enqueue(async () => {
      if (this.ending) throw new Error(`Run ${this.run.id} has already finished`);
      // Keep the last frame for the terminal one: drop this frame and stop the run (once).
      if (this.emitted >= this.options.maxFrames - 1) {
        if (this.emitted++ === this.options.maxFrames - 1) this.cancel(frameLimitReason(this.options.maxFrames));
        return;
      }
      await this.reserveAhead();
      const frame = this.stamp(body);
      this.emitted++;
      if (frame.type === 'message_chunk') {
        this.unflushed.push(frame);
        this.bus.publish(frame);
        if (this.unflushed.length >= this.options.chunkFlushMax) await this.flushChunks();
        else this.scheduleFlush();
        return;
      }
      await this.writeWithChunks({ frames: [frame], messages }, frame.type === 'message' && this.options.compactChunks ? frame.data.id : undefined);
      // abandon() may have ended the run meanwhile (a write of another task failed): its terminal frame stays the last one viewers get.
      if (this.ending) return;
      if (frame.type === 'message') this.usage = addUsage(this.usage, frame.data.models_usage);
      this.bus.publish(frame);
    });
  }

  /**
   * Emits the terminal frame and moves the run to its terminal status in one transaction. Never
   * rejects: when that write fails (after its retries) the run is {@link abandon}ed instead.
   */
  finish(body: RunFrameBody, finish: RunFinish): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.finished = true;
    this.inputs.cancelAll(finish.stop_reason ?? finish.status);
    return this.enqueue(async () => {
      if (this.ending) return;
      try {
        await this.reserveAhead();
        const frame = this.stamp(body);
        const ended = await this.writeWithChunks({ frames: [frame], finish });
        // Someone else ended the run first (in cluster mode: a peer's reaper, after this instance's
        // lease lapsed): viewers get the terminal frame that was stored, not a second one.
        const stored = ended ? undefined : await this.journal.lastFrame(this.run.id).catch(() => undefined);
        this.bus.publish(stored && isTerminalFrame(stored) ? stored : frame);
        clearTimeout(this.flushTimer);
      } catch (error) {
        this.abandon(error);
      }
    });
  }

  /**
   * Ends the run without the database, for when a write failed for good (`cause`): at once, and
   * without waiting on the database, every viewer gets a `completion` frame with status `error`
   * whose TeamResult holds one system message `Database unavailable: <cause>`; pending input
   * requests are cancelled and the run's team is stopped (its registry claim). The frames viewers
   * got that are not stored (unflushed chunks, that terminal frame) and the row's end (`error`,
   * stop reason as above) are handed to `RunJournal.writeLater`, which stores them when the
   * database answers again; a terminal status already there is not overwritten. Idempotent;
   * never throws.
   */
  abandon(cause: unknown): void {
    if (this.ending) return;
    this.finished = true;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const reason = storableText(`${DATABASE_UNAVAILABLE}: ${detail}`).slice(0, 1000);
    LiveRun.logger.error(runLine(this.run.id, `Run ends without the database: ${reason}`));
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const result: TeamResult = {
      task_result: { messages: [createMessage('TextMessage', 'system', { content: reason })], stop_reason: reason },
      usage: this.usage,
      duration: (performance.now() - this.startedAt) / 1000,
    };
    // nextSeq is reserved (the spare seq, see the class comment): recovery will never reuse it.
    const frame = this.stamp(frames.completion('error', result));
    const unstored = [...this.unflushed.splice(0), frame];
    const write: JournalWrite = { frames: unstored, finish: { status: 'error', team_result: result, stop_reason: reason, error_message: reason } };
    this.ending = { frames: unstored, stored: this.journal.writeLater(this.run, write) };
    this.bus.publish(frame);
    this.inputs.cancelAll(reason);
    this.control.stop(reason);
  }

  /** Cancels whatever the run is doing; the run driver turns this into its `completion` frame. */
  cancel(reason: string): void {
    this.control.stop(reason);
  }

  /** Records a written chunk's seq under its turn, for the compaction when the turn's message comes. */
  private noteWritten(frame: RunFrame): void {
    if (frame.type !== 'message_chunk') return;
    const id = frame.data.full_message_id;
    const ranges = this.writtenChunks.get(id);
    const last = ranges?.at(-1);
    if (last && last.to + 1 === frame.seq) last.to = frame.seq;
    else if (ranges) ranges.push({ from: frame.seq, to: frame.seq });
    else this.writtenChunks.set(id, [{ from: frame.seq, to: frame.seq }]);
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
        LiveRun.logger.error(runLine(this.run.id, `Writing chunks failed: ${String(error)}`)),
      );
    }, this.options.chunkFlushMs);
    this.flushTimer.unref();
  }

  private async flushChunks(): Promise<void> {
    if (this.ending || this.unflushed.length === 0) return;
    await this.writeWithChunks({ frames: [] });
  }

  /**
   * Writes the waiting chunks ahead of `write`'s frames, raising the reservation in the same
   * transaction when less than half a span is left; drops the chunks from memory once committed.
   * With `compacting` (the id of the message `write` stores) that turn's chunks are compacted:
   * the waiting ones are not written, the written ones are deleted in the same transaction.
   */
  private async writeWithChunks(write: JournalWrite, compacting?: string): Promise<boolean> {
    const chunkCount = this.unflushed.length;
    const highest = this.nextSeq - 1;
    const reserveThrough = this.reserved - highest < this.span / 2 ? highest + this.span : undefined;
    const isCompacted = (frame: RunFrame) => compacting !== undefined && frame.type === 'message_chunk' && frame.data.full_message_id === compacting;
    const chunks = compacting === undefined ? this.unflushed.slice() : this.unflushed.filter((frame) => !isCompacted(frame));
    const compact = compacting === undefined ? undefined : this.writtenChunks.get(compacting);
    const stored = await this.journal.write(this.run, {
      ...write,
      frames: [...chunks, ...write.frames],
      ...(reserveThrough === undefined ? {} : { reserveThrough }),
      ...(compact ? { compact } : {}),
    });
    if (reserveThrough !== undefined) this.reserved = Math.max(this.reserved, reserveThrough);
    if (compacting !== undefined) this.writtenChunks.delete(compacting);
    if (this.options.compactChunks) for (const frame of chunks) this.noteWritten(frame);
    this.unflushed.splice(0, chunkCount);
    if (this.unflushed.length === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    return stored;
  }
}
