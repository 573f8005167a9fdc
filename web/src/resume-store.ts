/**
 * What survives a page reload during a run: the run id, the last seq seen and the frames shown so
 * far (in sessionStorage, so per tab). On reload the page redraws those frames and reopens the
 * socket with `?after=<last seq>`: the server sends only what the page has not shown.
 *
 * Frames and last seq are always written together, so a reload never sees one without the other.
 * Chunks of a turn whose final message has arrived are dropped: the message replaces them.
 */
import type { RunFrame } from './types.js';

const KEY = 'teamstream.liveRun';

export interface StoredRun {
  runId: number;
  sessionId: number;
  lastSeq: number;
  /** Whether `start` was sent: a resumed run must never be started twice. */
  started: boolean;
  frames: RunFrame[];
}

export function loadStoredRun(): StoredRun | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const stored = raw ? (JSON.parse(raw) as StoredRun) : null;
    return stored && typeof stored.runId === 'number' && Array.isArray(stored.frames) ? stored : null;
  } catch {
    return null;
  }
}

/** Drops the stored run (its session was deleted, or it no longer exists). */
export function forgetStoredRun(): void {
  sessionStorage.removeItem(KEY);
}

export class RunLog {
  private timer: number | undefined;
  private readonly flushNow = () => this.flush();

  constructor(private readonly state: StoredRun) {
    // A reload or tab close must not lose the last frames shown.
    window.addEventListener('pagehide', this.flushNow);
    this.flush();
  }

  get stored(): Readonly<StoredRun> {
    return this.state;
  }

  markStarted(): void {
    this.state.started = true;
    this.flush();
  }

  record(frame: RunFrame, lastSeq: number): void {
    this.state.lastSeq = lastSeq;
    if (frame.type === 'message' && frame.data.id) {
      const id = frame.data.id;
      this.state.frames = this.state.frames.filter((f) => !(f.type === 'message_chunk' && f.data.full_message_id === id));
    }
    this.state.frames.push(frame);
    // Batch the writes of a chunk burst; pagehide flushes whatever is left.
    this.timer ??= window.setTimeout(this.flushNow, 250);
  }

  flush(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    try {
      sessionStorage.setItem(KEY, JSON.stringify(this.state));
    } catch {
      // Storage full or disabled: the run still shows; only a reload would lose its history.
    }
  }

  /** The run is over (or gone): nothing to resume any more. */
  clear(): void {
    window.clearTimeout(this.timer);
    window.removeEventListener('pagehide', this.flushNow);
    sessionStorage.removeItem(KEY);
  }
}
