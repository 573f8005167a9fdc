/**
 * Fan-out of a run's frames to whoever watches it. The in-process bus serves one instance
 * (CLUSTER=off); in cluster mode RedisRunBus (src/cluster/redis-run-bus.ts) replaces it behind the
 * same interface and also carries the frames of runs owned by other instances.
 */
import { frameJson } from './frame-json.js';
import type { RunFrame } from './ws-frames.js';

export interface RunFrameListener {
  /** `json` is the frame already serialised, so N viewers cost one JSON.stringify. */
  (frame: RunFrame, json: string): void;
}

export abstract class RunBus {
  /** Hands a frame of a run this instance runs to its viewers (on every instance, with a cluster bus). Never throws, never waits. */
  abstract publish(frame: RunFrame): void;
  /**
   * Calls `listener` with every frame of the run published from the moment of this call on, in
   * seq order (a frame may come more than once, or with seqs missing: viewers number and dedupe
   * them, see WebSocketManager.attach). Returns the function that unsubscribes.
   */
  abstract subscribe(runId: number, listener: RunFrameListener): () => void;
  /**
   * Frames with seq > `after` of a run another instance runs that the bus still holds, in seq
   * order (not necessarily stored yet: the frames in flight). The in-process bus holds none (a
   * local run's unstored frames are its LiveRun's). Never rejects: a bus that cannot answer gives [].
   */
  abstract recentFrames(runId: number, after: number): Promise<RunFrame[]>;
  /**
   * Whether viewers on other instances watch the run now (so the owner's detach grace must not
   * stop it). The in-process bus has no other instances: false. Never rejects.
   */
  abstract watchedElsewhere(runId: number): Promise<boolean>;
}

/**
 * The listeners of each run in this process, shared by the buses: add one, remove it (the run's
 * entry goes with its last listener), and hand a frame to every listener of its run.
 */
export class RunListeners {
  private readonly byRun = new Map<number, Set<RunFrameListener>>();

  /** Adds `listener`; the returned function removes it and answers true when it took the run's last one. */
  add(runId: number, listener: RunFrameListener): () => boolean {
    let set = this.byRun.get(runId);
    if (!set) {
      set = new Set();
      this.byRun.set(runId, set);
    }
    set.add(listener);
    const own = set;
    return () => {
      own.delete(listener);
      if (own.size > 0 || this.byRun.get(runId) !== own) return false;
      this.byRun.delete(runId);
      return true;
    };
  }

  /** Calls every listener of the frame's run; `json` is serialised once, and only when someone listens. */
  dispatch(frame: RunFrame, json?: string): void {
    const set = this.byRun.get(frame.run_id);
    if (!set || set.size === 0) return;
    const text = json ?? frameJson(frame);
    // Copy: a listener may unsubscribe (a viewer closing) while we iterate.
    for (const listener of [...set]) listener(frame, text);
  }
}

export class InProcessRunBus extends RunBus {
  private readonly listeners = new RunListeners();

  publish(frame: RunFrame): void {
    this.listeners.dispatch(frame);
  }

  async recentFrames(): Promise<RunFrame[]> {
    return [];
  }

  async watchedElsewhere(): Promise<boolean> {
    return false;
  }

  subscribe(runId: number, listener: RunFrameListener): () => void {
    const remove = this.listeners.add(runId, listener);
    return () => void remove();
  }
}
