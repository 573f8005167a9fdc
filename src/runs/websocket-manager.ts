/**
 * The run socket's runs: per run id the run's LiveRun (pending input, next seq, write-ahead
 * pipeline), admitted and stopped through the process's LiveRunRegistry, and the viewers
 * (sockets, SSE streams) attached with a replay: stored frames, then unflushed ones, then live,
 * with a `gap` frame in place of any seqs that have no frame (lost in a crash, or chunks compacted
 * once their turn's message was stored).
 *
 * Cluster mode (CLUSTER=redis): a viewer may watch a run another instance runs. The attach is the
 * same — subscribe first, then replay, then live — with the run's frames in flight read from the
 * bus (RunBus.recentFrames: the run's Redis stream) where a local run's come from its LiveRun; and
 * `stop` / `respond` for such a run are carried to its instance (RunCommands).
 */
import { Inject, Injectable, Optional, type BeforeApplicationShutdown } from '@nestjs/common';
import { RunCommands } from '../cluster/run-commands.js';
import { RUN_METRICS, type RunMetrics } from '../observability/run-metrics.js';
import { AppError } from '../common/errors.js';
import { storableText } from '../database/storable-text.js';
import type { ChatMessage } from '../engine/index.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { LiveRun, reservationSpan } from './live-run.js';
import { RunBus } from './run-bus.js';
import { RunJournal, type JournalRun } from './run-journal.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { TeamManager } from './team-manager.js';
import { DEFAULT_STOP_REASON, frames, isTerminalFrame, type ReplayFrame, type RunFrame } from './ws-frames.js';

/** Anything that can watch a run: a WebSocket, an SSE response. */
export interface Viewer {
  /** Sends one serialised frame: a run frame, or on replay a `gap` frame (its `seq` is its `to`). */
  send(frame: ReplayFrame, json: string): void;
  /** Ends the viewer: after a finished run has been replayed (1000), or at shutdown (1001). */
  end(code?: 1000 | 1001): void;
}

export interface StartRequest {
  run: JournalRun;
  task: ChatMessage[];
  /** The team's ComponentModel, as the client sent it (secrets restored) or as stored. */
  component: unknown;
  /** The stored team of the run's session (deleting it stops the run). */
  teamId: number;
  onDisconnect?: 'detach' | 'stop';
  inputTimeoutS?: number;
}

/** The registry key of a run-socket run. */
const keyOf = (runId: number): string => `run:${runId}`;

/** Stop reasons when nobody watches any more: at once (`on_disconnect: "stop"`), or after the grace period. */
export const VIEWERS_DISCONNECTED = 'All viewers disconnected';
export const VIEWERS_LEFT = 'All viewers left';
/** `on_disconnect: "stop"` with viewers on other instances: how often the owner asks again whether any are left (ms). */
const STOP_RECHECK_MS = 2_000;

/**
 * `frames` (seq order, all with seq > `after`) with a gap frame in front of every frame whose seq
 * does not follow the one before it (lost or reserved seqs, see LiveRun).
 */
export function withGaps(runId: number, after: number, list: readonly RunFrame[]): ReplayFrame[] {
  const out: ReplayFrame[] = [];
  let last = after;
  for (const frame of list) {
    if (frame.seq <= last) continue;
    if (frame.seq > last + 1) out.push(frames.gap(runId, last + 1, frame.seq - 1));
    out.push(frame);
    last = frame.seq;
  }
  return out;
}

@Injectable()
export class WebSocketManager implements BeforeApplicationShutdown {
  private readonly live = new Map<number, LiveRun>();
  /**
   * Runs that ended without the database (LiveRun.abandon), until their end is stored: replay
   * serves their unstored frames from here, and `stop` does not call them "not running".
   */
  private readonly ending = new Map<number, LiveRun>();
  /** Viewers per run, kept apart from `live` because a viewer may attach before `start`. */
  private readonly viewers = new Map<number, Set<Viewer>>();
  /** Runs with no viewer, counting down RUN_DETACH_GRACE_S. */
  private readonly graceTimers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
    private readonly teams: TeamManager,
    private readonly registry: LiveRunRegistry,
    @Inject(STREAMING_OPTIONS) private readonly options: StreamingOptions,
    @Inject(RUN_METRICS) private readonly metrics: RunMetrics,
    /** Cluster mode: stop and input for runs other instances run; null with CLUSTER=off. */
    @Optional() @Inject(RunCommands) private readonly remote: RunCommands | null = null,
  ) {
    this.remote?.serve((command) =>
      command.kind === 'stop' ? this.stopHere(command.runId, command.reason) : this.respondHere(command.runId, command.response, command.requestId),
    );
  }

  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  /**
   * Starts a run that is `created`: claims it in the registry (the one atomic "already
   * started?" decision in this process, and a live-run slot), moves it to `active` in the
   * database (the decision across restarts) with its first seq reservation, then runs it in the
   * server from here on; its frames reach every attached viewer. Throws AppError conflict when
   * started before, too_many over a live-run limit.
   */
  async start(request: StartRequest): Promise<void> {
    const runId = request.run.id;
    const claim = await this.registry.claim(keyOf(runId), request.run.userId, {
      conflictMessage: `Run ${runId} has already been started`,
      scope: { sessionId: request.run.sessionId, teamId: request.teamId },
    });
    const reserved = reservationSpan(this.options.chunkFlushMax);
    try {
      if (!(await this.journal.activate(runId, request.task, reserved))) {
        throw new AppError('conflict', `Run ${runId} has already been started`);
      }
    } catch (error) {
      claim.release();
      throw error;
    }
    const options = {
      chunkFlushMs: this.options.chunkFlushMs,
      chunkFlushMax: this.options.chunkFlushMax,
      compactChunks: this.options.compactChunks,
      maxFrames: this.options.maxFrames,
      onDisconnect: request.onDisconnect ?? this.options.onDisconnect,
    };
    const limits = { ...claim.limits, inputTimeoutS: request.inputTimeoutS ?? claim.limits.inputTimeoutS };
    // A run that was `created` has no frames yet: only a LiveRun writes them, after activate().
    const run = new LiveRun(request.run, 0, options, claim, this.journal, this.bus, reserved);
    this.live.set(runId, run);
    claim.launch(async () => {
      try {
        await this.teams.execute(run, request.component, request.task, limits);
      } finally {
        this.live.delete(runId);
        clearTimeout(this.graceTimers.get(runId));
        this.graceTimers.delete(runId);
        if (run.abandoned) this.endAbandoned(run);
      }
    });
  }

  /**
   * Cancels a live run with the caller's reason; resolves when its terminal frame is written
   * (for a run waiting on the database: when it has ended, at most DB_RETRY_S later). A run that
   * has already ended without the database is not refused: its stored end is attempted now, so
   * the caller then reads the corrected row. A reason with nothing storable in it (blank, or only
   * lone surrogates and control characters) becomes DEFAULT_STOP_REASON. In cluster mode a run
   * another instance runs is stopped there (RunCommands). Throws AppError conflict when the run is
   * not running, unavailable when its instance does not answer.
   */
  async stop(runId: number, reason: string): Promise<void> {
    if (this.ending.has(runId) || this.live.has(runId) || !this.remote) return this.stopHere(runId, stopReasonOf(reason));
    await this.remote.forward({ kind: 'stop', runId, reason: stopReasonOf(reason) }, notRunning(runId));
  }

  /**
   * Answers a pending input request: the one named, else the oldest (AGS behaviour). In cluster
   * mode a run another instance runs is answered there. Throws AppError conflict when the run is
   * not waiting for it, unavailable when its instance does not answer.
   */
  async respond(runId: number, response: string, requestId?: string): Promise<void> {
    if (this.live.has(runId) || !this.remote) return this.respondHere(runId, response, requestId);
    await this.remote.forward({ kind: 'input', runId, response, ...(requestId === undefined ? {} : { requestId }) }, notWaiting(runId, requestId));
  }

  /** stop() for a run of this instance (`reason` already storable). */
  private async stopHere(runId: number, reason: string): Promise<void> {
    if (this.ending.has(runId)) return this.journal.flushDeferred();
    if (!this.live.has(runId) || !(await this.registry.stop(keyOf(runId), reason))) throw notRunning(runId);
  }

  /** respond() for a run of this instance. */
  private async respondHere(runId: number, response: string, requestId?: string): Promise<void> {
    const run = this.live.get(runId);
    const pending = run?.inputs.find(requestId);
    if (!run || !pending) throw notWaiting(runId, requestId);
    run.inputs.answer(pending.requestId, response);
  }

  /**
   * Cluster mode, after this instance's lease lapsed: peers may have ended some of its runs
   * (`Instance lost`) while it went on running them. Those are cancelled with `reason`; their own
   * end then finds the run ended and hands viewers the stored terminal frame (LiveRun.finish).
   * Returns how many were cancelled. Never rejects.
   */
  async cancelRunsEndedElsewhere(reason: string): Promise<number> {
    let cancelled = 0;
    for (const [runId, run] of [...this.live]) {
      const last = await this.journal.lastFrame(runId).catch(() => undefined);
      if (run.finished || !last || !isTerminalFrame(last)) continue;
      run.cancel(reason);
      cancelled++;
    }
    return cancelled;
  }

  /**
   * Every frame of the run with seq > `after` that exists now: those in the journal, then those
   * published but not yet written (chunks waiting for their batch, or the end of a run that
   * ended without the database), in seq order, with a gap frame in place of missing seqs.
   */
  async framesAfter(runId: number, after: number): Promise<ReplayFrame[]> {
    return withGaps(runId, after, await this.framesSince(runId, after));
  }

  /**
   * Attaches a viewer: replays every frame with seq > `after`, then streams live; a gap frame
   * stands in for seqs that have no frame. For a run that has already finished, the viewer is
   * ended (1000) after the replay, also when `after` is at or past its terminal frame. Returns
   * the detach function.
   */
  async attach(runId: number, viewer: Viewer, after: number): Promise<() => void> {
    let catchingUp = true;
    const buffered: RunFrame[] = [];
    const jsonOf = new Map<number, string>();
    let lastSent = after;
    let lastDelivered: RunFrame | undefined;
    const deliver = (frame: RunFrame, json: string) => {
      if (frame.seq <= lastSent) return;
      if (frame.seq > lastSent + 1) {
        const gap = frames.gap(runId, lastSent + 1, frame.seq - 1);
        viewer.send(gap, JSON.stringify(gap));
      }
      lastSent = frame.seq;
      lastDelivered = frame;
      viewer.send(frame, json);
    };
    const unsubscribe = this.bus.subscribe(runId, (frame, json) => {
      // The run ended at or before the seq the viewer says it has (`after` past the live head):
      // the viewer is ended as it would be for a finished run, not left waiting for ever.
      if (!catchingUp && isTerminalFrame(frame) && frame.seq <= lastSent) return void (detach(), viewer.end());
      if (!catchingUp) return deliver(frame, json);
      buffered.push(frame);
      jsonOf.set(frame.seq, json);
    });
    // A viewer is back within the grace period: the run goes on.
    clearTimeout(this.graceTimers.get(runId));
    this.graceTimers.delete(runId);
    const watching = this.viewers.get(runId) ?? new Set<Viewer>();
    this.viewers.set(runId, watching.add(viewer));
    this.metrics.viewerAttached();
    let detached = false;
    const detach = () => {
      if (detached) return;
      detached = true;
      this.metrics.viewerDetached();
      unsubscribe();
      watching.delete(viewer);
      if (watching.size > 0) return;
      if (this.viewers.get(runId) === watching) this.viewers.delete(runId);
      this.lastViewerLeft(runId);
    };
    try {
      const backlog = [...(await this.framesSince(runId, after)), ...buffered].sort((a, b) => a.seq - b.seq);
      for (const frame of backlog) deliver(frame, jsonOf.get(frame.seq) ?? JSON.stringify(frame));
    } catch (error) {
      detach();
      throw error;
    }
    catchingUp = false;
    if (!this.live.has(runId)) {
      const ended = lastDelivered ? isTerminalFrame(lastDelivered) : await this.hasEnded(runId);
      if (ended) {
        detach();
        viewer.end();
      }
    }
    return detach;
  }

  /**
   * On graceful shutdown live runs end `stopped` and their viewers get the frame, then are
   * closed with 1001. This runs before Nest closes the HTTP and WebSocket servers.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.registry.shutdown();
    await this.journal.stopDeferred();
    for (const viewer of [...this.viewers.values()].flatMap((set) => [...set])) viewer.end(1001);
  }

  /**
   * The last viewer of a run left (protocol §2.1): `stop` ends a live run now; `grace` ends it
   * after RUN_DETACH_GRACE_S unless a viewer attaches first (AGS's front-end never comes back, so
   * an unwatched run must not go on until its own end); `detach` lets it run.
   */
  private lastViewerLeft(runId: number): void {
    const run = this.live.get(runId);
    if (!run || run.finished) return;
    switch (run.options.onDisconnect) {
      case 'stop':
        return void this.stopUnlessWatched(run, VIEWERS_DISCONNECTED, STOP_RECHECK_MS);
      case 'grace':
        return this.armGrace(run);
      case 'detach':
        return;
    }
  }

  /**
   * Stops the run with `reason` after `delayMs` (RUN_DETACH_GRACE_S by default) unless a viewer
   * attaches first here or watches it elsewhere (then it looks again after as long).
   */
  private armGrace(run: LiveRun, reason = VIEWERS_LEFT, delayMs = this.options.detachGraceS * 1000): void {
    const runId = run.run.id;
    clearTimeout(this.graceTimers.get(runId));
    const timer = setTimeout(() => {
      this.graceTimers.delete(runId);
      void this.stopUnlessWatched(run, reason, delayMs);
    }, delayMs);
    timer.unref();
    this.graceTimers.set(runId, timer);
  }

  /**
   * Nobody watches the run on this instance: it is stopped with `reason`, unless viewers on other
   * instances watch it (cluster mode, RunBus.watchedElsewhere); then it is asked again after
   * `recheckMs`, so it stops once they have gone too (an instance withdraws its claim to watch
   * when its last viewer leaves).
   */
  private async stopUnlessWatched(run: LiveRun, reason: string, recheckMs: number): Promise<void> {
    const runId = run.run.id;
    const elsewhere = await this.bus.watchedElsewhere(runId);
    if (this.viewers.has(runId) || run.finished || this.live.get(runId) !== run) return;
    if (elsewhere) this.armGrace(run, reason, recheckMs);
    else run.cancel(reason);
  }

  /** Stored frames with seq > after and the run's unstored ones (read first: see below), merged in seq order. */
  private async framesSince(runId: number, after: number): Promise<RunFrame[]> {
    // Read what is unstored before what is stored: a batch committed in between is then in one
    // of the two, and anything published after this read reaches a subscribed viewer live. A
    // message committed in between may have compacted its turn's chunks (LiveRun): those read
    // here as unstored still fill their seqs, so only chunks stored earlier become a gap.
    // A run of this instance: its LiveRun's unstored frames; a run of another instance (cluster
    // mode): the frames in flight the bus holds for it (RunBus.recentFrames).
    const local = this.live.get(runId) ?? this.ending.get(runId);
    const unstored = local ? [...local.pendingFrames()] : await this.bus.recentFrames(runId, after);
    const stored = await this.journal.framesAfter(runId, after);
    const seqs = new Set(stored.map((frame) => frame.seq));
    const missing = unstored.filter((frame) => frame.seq > after && !seqs.has(frame.seq));
    return missing.length === 0 ? stored : [...stored, ...missing].sort((a, b) => a.seq - b.seq);
  }

  /** True when the run's last frame, stored or not, is its terminal frame. */
  private async hasEnded(runId: number): Promise<boolean> {
    const last = this.ending.get(runId)?.pendingFrames().at(-1) ?? (await this.journal.lastFrame(runId));
    return last !== undefined && isTerminalFrame(last);
  }

  /**
   * A run that ended without the database: its viewers have its terminal frame; nothing more can
   * happen in it, so they are closed normally (1000). It is served from `ending` until stored.
   */
  private endAbandoned(run: LiveRun): void {
    const runId = run.run.id;
    this.ending.set(runId, run);
    void run.endStored?.then(() => {
      if (this.ending.get(runId) === run) this.ending.delete(runId);
    });
    for (const viewer of [...(this.viewers.get(runId) ?? [])]) {
      try {
        viewer.end(1000);
      } catch {
        // A viewer that cannot be closed is gone already.
      }
    }
  }
}

const notRunning = (runId: number) => new AppError('conflict', `Run ${runId} is not running`);
const notWaiting = (runId: number, requestId?: string) =>
  new AppError('conflict', `Run ${runId} is not waiting for ${requestId ? `input request ${requestId}` : 'any input request'}`);

/** The caller's stop reason as it will be stored, or the default when nothing of it can be. */
function stopReasonOf(reason: string): string {
  return storableText(reason).trim() || DEFAULT_STOP_REASON;
}
