/**
 * One run being watched live: its socket, its view and its resume log. Starts the run (the
 * `start` frame, once), forwards Stop and input answers, and reports when it is over.
 */
import { api } from './api.js';
import { RunConnection, type ConnectionState } from './run-socket.js';
import type { RunView } from './run-view.js';
import { RunLog, type StoredRun } from './resume-store.js';
import type { Component } from './types.js';

export interface LiveRunOptions {
  view: RunView;
  stored: StoredRun;
  /** Present for a new run: sent in the `start` frame once the socket says connected. */
  start?: { task: string; teamConfig: Component };
  /** Called once when the run is over or can no longer be watched. */
  onEnd(run: LiveRun): void;
}

export const STOP_REASON = 'Stopped from the playground';

export class LiveRun {
  private readonly connection: RunConnection;
  private readonly log: RunLog;
  private over = false;
  private sawMessage = false;

  constructor(private readonly options: LiveRunOptions) {
    this.log = new RunLog(options.stored);
    // Redraw what this tab had shown before a reload; the socket continues after its last seq.
    for (const frame of options.stored.frames) options.view.apply(frame);
    this.sawMessage = options.stored.frames.length > 0;
    this.connection = new RunConnection(options.stored.runId, options.stored.lastSeq, {
      onConnected: () => this.connected(),
      onFrame: (frame) => {
        this.sawMessage = true;
        this.log.record(frame, this.connection.lastSeq);
        options.view.apply(frame);
        if (frame.type === 'result' || frame.type === 'completion') this.end();
      },
      onProtocolError: (text) => {
        options.view.showError(`Server: ${text}`);
        // Before any message, an error means the run could not start (bad team, no task).
        if (!this.sawMessage) this.end(true);
      },
      onState: (state) => this.stateChanged(state),
      onGone: (reason) => {
        options.view.showError(reason);
        this.end(true);
      },
    });
    this.connection.open();
  }

  get runId(): number {
    return this.options.stored.runId;
  }

  get sessionId(): number {
    return this.options.stored.sessionId;
  }

  private connected(): void {
    const start = this.options.start;
    if (start && !this.log.stored.started) {
      this.connection.send({ type: 'start', task: start.task, team_config: start.teamConfig });
      this.log.markStarted();
      this.options.view.setStatus('active');
    }
  }

  private stateChanged(state: ConnectionState): void {
    if (this.over || this.options.view.isFinished) return;
    if (state === 'reconnecting') this.options.view.setStatus('reconnecting');
    else if (state === 'connecting') this.options.view.setStatus('connecting');
    else if (state === 'open') this.options.view.setStatus(this.log.stored.started || this.sawMessage ? 'running' : 'created');
  }

  answer(response: string, requestId: string | undefined): void {
    const frame: Record<string, unknown> = { type: 'input_response', response };
    if (requestId) frame.request_id = requestId;
    if (!this.connection.send(frame)) this.options.view.showError('Not connected: the answer was not sent. Try again once reconnected.');
  }

  /** The `stop` frame; over REST (§2.4) when the socket is down. The `completion` frame ends the view. */
  async stop(): Promise<void> {
    if (this.connection.send({ type: 'stop', reason: STOP_REASON })) return;
    try {
      await api.stopRun(this.runId, STOP_REASON);
    } catch (error) {
      this.options.view.showError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Stops watching without stopping the run (switching session, for instance). */
  detach(): void {
    this.over = true;
    this.connection.close();
    this.log.flush();
  }

  private end(lost = false): void {
    if (this.over) return;
    this.over = true;
    this.connection.close();
    this.log.clear();
    if (lost && !this.options.view.isFinished) this.options.view.setStatus('error');
    this.options.onEnd(this);
  }
}
