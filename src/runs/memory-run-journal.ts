/**
 * A RunJournal held in memory: for unit tests of the streaming layer and for tools that run a
 * team without a database. Same contract as the TypeORM journal, including final terminal states.
 */
import type { AgentMessage } from '../engine/index.js';
import { RunJournal, type JournalRun, type JournalWrite, type RunFinish } from './run-journal.js';
import type { RunFrame } from './ws-frames.js';

interface StoredRun {
  status: 'created' | 'active' | RunFinish['status'];
  task: AgentMessage[] | null;
  frames: RunFrame[];
  messages: AgentMessage[];
  finish: RunFinish | null;
  /** The durable seq reservation (runs.seq_reserved). */
  reserved: number;
}

export class MemoryRunJournal extends RunJournal {
  readonly runs = new Map<number, StoredRun>();
  /** How many write() calls reached the store (to observe batching). */
  writes = 0;
  /** Deferred writes not applied yet; a test may hold them back by setting `holdDeferred`. */
  private readonly later = new Map<number, { run: JournalRun; write: JournalWrite; done: () => void }>();
  /** While true, writeLater() only queues (as if the database were away); flushDeferred() applies. */
  holdDeferred = false;

  create(runId: number): void {
    this.runs.set(runId, { status: 'created', task: null, frames: [], messages: [], finish: null, reserved: 0 });
  }

  async write(run: JournalRun, write: JournalWrite): Promise<boolean> {
    const stored = this.get(run.id);
    this.writes++;
    for (const frame of write.frames) {
      if (stored.frames.some((f) => f.seq === frame.seq)) throw new Error(`Duplicate seq ${frame.seq} for run ${run.id}`);
    }
    return this.apply(stored, write);
  }

  writeLater(run: JournalRun, write: JournalWrite): Promise<void> {
    return new Promise((done) => {
      this.later.set(run.id, { run, write, done });
      if (!this.holdDeferred) void this.flushDeferred();
    });
  }

  async flushDeferred(): Promise<void> {
    for (const [runId, { write, done }] of [...this.later]) {
      this.later.delete(runId);
      const stored = this.get(runId);
      this.apply(stored, { ...write, frames: write.frames.filter((frame) => !stored.frames.some((f) => f.seq === frame.seq)) });
      done();
    }
  }

  async stopDeferred(): Promise<void> {
    await this.flushDeferred();
  }

  async reserve(runId: number, through: number): Promise<void> {
    const stored = this.get(runId);
    stored.reserved = Math.max(stored.reserved, through);
  }

  async framesAfter(runId: number, after: number): Promise<RunFrame[]> {
    return this.get(runId)
      .frames.filter((f) => f.seq > after)
      .sort((a, b) => a.seq - b.seq);
  }

  async lastFrame(runId: number): Promise<RunFrame | undefined> {
    return (await this.framesAfter(runId, 0)).at(-1);
  }

  async endedAmong(runIds: readonly number[]): Promise<number[]> {
    return runIds.filter((id) => {
      const status = this.runs.get(id)?.status;
      return status !== undefined && status !== 'created' && status !== 'active';
    });
  }

  async activate(runId: number, task: AgentMessage[], reserveThrough = 0): Promise<boolean> {
    const stored = this.get(runId);
    if (stored.status !== 'created') return false;
    stored.status = 'active';
    stored.task = task;
    stored.reserved = Math.max(stored.reserved, reserveThrough);
    return true;
  }

  get(runId: number): StoredRun {
    const stored = this.runs.get(runId);
    if (!stored) throw new Error(`Run ${runId} not found`);
    return stored;
  }

  /** A write whose finish finds the run terminal stores nothing (see JournalWrite.finish). */
  private apply(stored: StoredRun, write: JournalWrite): boolean {
    if (write.finish) {
      if (stored.status !== 'created' && stored.status !== 'active') return false;
      stored.status = write.finish.status;
      stored.finish = write.finish;
    }
    if (write.compact?.length) {
      const ranges = write.compact;
      stored.frames = stored.frames.filter((f) => f.type !== 'message_chunk' || !ranges.some((r) => f.seq >= r.from && f.seq <= r.to));
    }
    stored.frames.push(...write.frames);
    stored.messages.push(...(write.messages ?? []));
    if (write.reserveThrough !== undefined) stored.reserved = Math.max(stored.reserved, write.reserveThrough);
    return true;
  }
}
