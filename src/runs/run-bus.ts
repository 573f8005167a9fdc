/**
 * Fan-out of a run's frames to whoever watches it. The in-process bus serves one instance; a
 * cross-instance bus (Redis, PostgreSQL LISTEN/NOTIFY) can replace it behind the same interface.
 */
import type { RunFrame } from './ws-frames.js';

export interface RunFrameListener {
  /** `json` is the frame already serialised, so N viewers cost one JSON.stringify. */
  (frame: RunFrame, json: string): void;
}

export abstract class RunBus {
  abstract publish(frame: RunFrame): void;
  /** Returns the function that unsubscribes. */
  abstract subscribe(runId: number, listener: RunFrameListener): () => void;
}

export class InProcessRunBus extends RunBus {
  private readonly listeners = new Map<number, Set<RunFrameListener>>();

  publish(frame: RunFrame): void {
    const set = this.listeners.get(frame.run_id);
    if (!set || set.size === 0) return;
    const json = JSON.stringify(frame);
    // Copy: a listener may unsubscribe (a viewer closing) while we iterate.
    for (const listener of [...set]) listener(frame, json);
  }

  subscribe(runId: number, listener: RunFrameListener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }
}
