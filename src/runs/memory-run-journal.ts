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
}

export class MemoryRunJournal extends RunJournal {
  readonly runs = new Map<number, StoredRun>();
  /** How many write() calls reached the store (to observe batching). */
  writes = 0;

  create(runId: number): void {
    this.runs.set(runId, { status: 'created', task: null, frames: [], messages: [], finish: null });
  }

  async write(run: JournalRun, write: JournalWrite): Promise<void> {
    const stored = this.get(run.id);
    this.writes++;
    for (const frame of write.frames) {
      if (stored.frames.some((f) => f.seq === frame.seq)) throw new Error(`Duplicate seq ${frame.seq} for run ${run.id}`);
    }
    stored.frames.push(...write.frames);
    stored.messages.push(...(write.messages ?? []));
    if (write.finish && (stored.status === 'created' || stored.status === 'active')) {
      stored.status = write.finish.status;
      stored.finish = write.finish;
    }
  }

  async framesAfter(runId: number, after: number): Promise<RunFrame[]> {
    return this.get(runId)
      .frames.filter((f) => f.seq > after)
      .sort((a, b) => a.seq - b.seq);
  }

  async activate(runId: number, task: AgentMessage[]): Promise<boolean> {
    const stored = this.get(runId);
    if (stored.status !== 'created') return false;
    stored.status = 'active';
    stored.task = task;
    return true;
  }

  get(runId: number): StoredRun {
    const stored = this.runs.get(runId);
    if (!stored) throw new Error(`Run ${runId} not found`);
    return stored;
  }
}
