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

/** Seqs `from`..`to`, inclusive. */
export interface SeqRange {
  from: number;
  to: number;
}

export interface JournalWrite {
  /** Frames in seq order; all are inserted in one transaction. */
  frames: RunFrame[];
  /** AgentChat messages to store as `message` rows (AGS compatibility). */
  messages?: AgentMessage[];
  /**
   * Moves the run to a terminal status, unless it is already terminal; then nothing of this
   * write is stored (a run's log ends with the one terminal frame that won).
   */
  finish?: RunFinish;
  /**
   * Chunk frames to delete, as inclusive seq ranges, in the same transaction: the chunks of a turn
   * whose final message this write stores (compaction, protocol §2.2). Only `message_chunk` rows go.
   */
  compact?: SeqRange[];
  /** Raises the run's durable seq reservation to this seq, in the same transaction (never lowers it). */
  reserveThrough?: number;
}

export abstract class RunJournal {
  /**
   * Writes atomically. Transient database failures (unreachable, restarting, locked) are retried
   * with backoff for up to DB_RETRY_S; rejects with the last error after that, or at once for any
   * other failure. Nothing of a rejected write is stored. Resolves true when the write was stored,
   * false when its `finish` found the run terminal already (then nothing of it was stored): the
   * one writer that ends a run is the one that sees true.
   */
  abstract write(run: JournalRun, write: JournalWrite): Promise<boolean>;
  /**
   * Stores `write` once the database answers: tried now, then again after every committed
   * transaction of anyone and on a backoff timer, until it is stored or the run is found terminal
   * (or gone). Frames already stored with the same seq are skipped. Never rejects; resolves when
   * done, which may be never while the database stays away.
   */
  abstract writeLater(run: JournalRun, write: JournalWrite): Promise<void>;
  /** Tries every deferred write now; resolves when the attempt is over (each stored, or still deferred). Never rejects. */
  abstract flushDeferred(): Promise<void>;
  /** At shutdown: one last attempt at the deferred writes, then stops retrying them. */
  abstract stopDeferred(): Promise<void>;
  /** Durably reserves every seq up to `through` for the run (see LiveRun); retried like `write`. */
  abstract reserve(runId: number, through: number): Promise<void>;
  /** Frames with seq > after, in seq order. */
  abstract framesAfter(runId: number, after: number): Promise<RunFrame[]>;
  /** The stored frame with the highest seq, if any. */
  abstract lastFrame(runId: number): Promise<RunFrame | undefined>;
  /** Of `runIds`, those whose status is terminal (`complete`, `error`, `stopped`), in one query. */
  abstract endedAmong(runIds: readonly number[]): Promise<number[]>;
  /**
   * created → active, storing the task and reserving seqs 1..`reserveThrough` (default none);
   * false when the run was not `created`. In cluster mode the same statement records this
   * instance as the run's owner (RUN_OWNER).
   */
  abstract activate(runId: number, task: AgentMessage[], reserveThrough?: number): Promise<boolean>;
}

/**
 * The instance id a run is recorded as owned by when it is activated (`runs.owner_instance`):
 * INSTANCE_ID in cluster mode, null with CLUSTER=off (no owner is recorded).
 */
export const RUN_OWNER = Symbol('RUN_OWNER');
