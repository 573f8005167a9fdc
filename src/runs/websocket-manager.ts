/**
 * The run socket's runs: per run id the run's LiveRun (pending input, next seq, write-ahead
 * pipeline), admitted and stopped through the process's LiveRunRegistry, and the viewers
 * (sockets, SSE streams) attached with a gap-free replay: stored frames, then unflushed ones,
 * then live.
 */
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import type { ChatMessage } from '../engine/index.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { LiveRun } from './live-run.js';
import { RunBus } from './run-bus.js';
import { RunJournal, type JournalRun } from './run-journal.js';
import { STREAMING_OPTIONS, type StreamingOptions } from './streaming-options.js';
import { TeamManager } from './team-manager.js';
import { isTerminalFrame, type RunFrame } from './ws-frames.js';

/** Anything that can watch a run: a WebSocket, an SSE response. */
export interface Viewer {
  /** Sends one serialised frame. */
  send(frame: RunFrame, json: string): void;
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

@Injectable()
export class WebSocketManager implements BeforeApplicationShutdown {
  private readonly live = new Map<number, LiveRun>();
  /** Viewers per run, counted apart from `live` because a viewer may attach before `start`. */
  private readonly viewers = new Map<number, number>();
  private readonly attached = new Set<Viewer>();

  constructor(
    private readonly journal: RunJournal,
    private readonly bus: RunBus,
    private readonly teams: TeamManager,
    private readonly registry: LiveRunRegistry,
    @Inject(STREAMING_OPTIONS) private readonly options: StreamingOptions,
  ) {}

  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  /**
   * Starts a run that is `created`: claims it in the registry (the one atomic "already
   * started?" decision in this process, and a live-run slot), moves it to `active` in the
   * database (the decision across restarts), then runs it in the server from here on; its
   * frames reach every attached viewer. Throws AppError conflict when started before,
   * too_many over a live-run limit.
   */
  async start(request: StartRequest): Promise<void> {
    const runId = request.run.id;
    const claim = this.registry.claim(keyOf(runId), request.run.userId, {
      conflictMessage: `Run ${runId} has already been started`,
      scope: { sessionId: request.run.sessionId, teamId: request.teamId },
    });
    try {
      if (!(await this.journal.activate(runId, request.task))) {
        throw new AppError('conflict', `Run ${runId} has already been started`);
      }
    } catch (error) {
      claim.release();
      throw error;
    }
    const options = {
      chunkFlushMs: this.options.chunkFlushMs,
      chunkFlushMax: this.options.chunkFlushMax,
      onDisconnect: request.onDisconnect ?? this.options.onDisconnect,
    };
    const limits = { ...claim.limits, inputTimeoutS: request.inputTimeoutS ?? claim.limits.inputTimeoutS };
    // A run that was `created` has no frames yet: only a LiveRun writes them, after activate().
    const run = new LiveRun(request.run, 0, options, claim, this.journal, this.bus);
    this.live.set(runId, run);
    claim.launch(async () => {
      try {
        await this.teams.execute(run, request.component, request.task, limits);
      } finally {
        this.live.delete(runId);
      }
    });
  }

  /** Cancels a live run with the caller's reason; resolves when its terminal frame is written. */
  async stop(runId: number, reason: string): Promise<void> {
    if (!this.live.has(runId) || !(await this.registry.stop(keyOf(runId), reason))) {
      throw new AppError('conflict', `Run ${runId} is not running`);
    }
  }

/** Answers a pending input request: the one named, else the oldest (AGS behaviour). */
  respond(runId: number, response: string, requestId?: string): void {
    const run = this.live.get(runId);
    const pending = run?.inputs.find(requestId);
    if (!run || !pending) {
      const what = requestId ? `input request ${requestId}` : 'any input request';
      throw new AppError('conflict', `Run ${runId} is not waiting for ${what}`);
    }
    run.inputs.answer(pending.requestId, response);
  }

  /**
   * Every frame of the run with seq > `after` that exists now: those in the journal, then those
   * published but not yet written (chunks waiting for their batch), in seq order.
   */
  async framesAfter(runId: number, after: number): Promise<RunFrame[]> {
    const stored = await this.journal.framesAfter(runId, after);
    const lastStored = stored.at(-1)?.seq ?? after;
    const pending = this.live.get(runId)?.pendingFrames() ?? [];
    return [...stored, ...pending.filter((frame) => frame.seq > lastStored)];
  }

  /**
   * Attaches a viewer: replays every frame with seq > `after`, then streams live. For a run that
   * has already finished, the viewer is ended after the replay. Returns the detach function.
   */
  async attach(runId: number, viewer: Viewer, after: number): Promise<() => void> {
    let catchingUp = true;
    const buffered: RunFrame[] = [];
    const jsonOf = new Map<number, string>();
    let lastSent = after;
    let lastDelivered: RunFrame | undefined;
    const deliver = (frame: RunFrame, json: string) => {
      if (frame.seq <= lastSent) return;
      lastSent = frame.seq;
      lastDelivered = frame;
      viewer.send(frame, json);
    };
    const unsubscribe = this.bus.subscribe(runId, (frame, json) => {
      if (!catchingUp) return deliver(frame, json);
      buffered.push(frame);
      jsonOf.set(frame.seq, json);
    });
    this.viewers.set(runId, (this.viewers.get(runId) ?? 0) + 1);
    this.attached.add(viewer);
    let detached = false;
    const detach = () => {
      if (detached) return;
      detached = true;
      unsubscribe();
      this.attached.delete(viewer);
      const left = (this.viewers.get(runId) ?? 1) - 1;
      if (left > 0) return void this.viewers.set(runId, left);
      this.viewers.delete(runId);
      const run = this.live.get(runId);
      if (run && run.options.onDisconnect === 'stop' && !run.finished) run.cancel('All viewers disconnected');
    };
    try {
      const backlog = [...(await this.framesAfter(runId, after)), ...buffered].sort((a, b) => a.seq - b.seq);
      for (const frame of backlog) deliver(frame, jsonOf.get(frame.seq) ?? JSON.stringify(frame));
    } catch (error) {
      detach();
      throw error;
    }
    catchingUp = false;
    if (!this.live.has(runId)) {
      const ended = lastDelivered ? isTerminalFrame(lastDelivered) : await this.hasEnded(runId, after);
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
    for (const viewer of [...this.attached]) viewer.end(1001);
  }

  /** True when the log's frame at `seq` (a viewer's `after`) is the run's terminal frame. */
  private async hasEnded(runId: number, seq: number): Promise<boolean> {
    if (seq === 0) return false;
    const last = await this.journal.framesAfter(runId, seq - 1);
    const tail = last.at(-1);
    return tail !== undefined && isTerminalFrame(tail);
  }
}
