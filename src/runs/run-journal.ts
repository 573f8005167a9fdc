/**
 * What the streaming layer needs from the database: the write-ahead log of a run's frames, its
 * message rows and its status, each written atomically. Implemented over TypeORM in
 * typeorm-run-journal.ts; an interface so the WebSocketManager stays testable and transport-free.
 */
import type { AgentMessage } from '../engine/index.js';
import type { RunFrame, TeamResult } from './ws-frames.js';

export type TerminalStatus = 'complete' | 'error' | 'stopped';

export interface RunFinish {
  status: TerminalStatus;
  team_result: TeamResult;
  stop_reason: string | null;
  error_message: string | null;
}

/** The identity of a run the journal writes for. */
export interface JournalRun {
  id: number;
  sessionId: number;
  userId: string;
}

export interface JournalWrite {
  /** Frames in seq order; all are inserted in one transaction. */
  frames: RunFrame[];
  /** AgentChat messages to store as `message` rows (AGS compatibility). */
  messages?: AgentMessage[];
  /** Moves the run to a terminal status, unless it is already terminal. */
  finish?: RunFinish;
}

export abstract class RunJournal {
  abstract write(run: JournalRun, write: JournalWrite): Promise<void>;
  /** Frames with seq > after, in seq order. */
  abstract framesAfter(runId: number, after: number): Promise<RunFrame[]>;
  /** created → active, storing the task; false when the run was not `created`. */
  abstract activate(runId: number, task: AgentMessage[]): Promise<boolean>;
}
