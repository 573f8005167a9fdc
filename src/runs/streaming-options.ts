/** Tunables and limits of the streaming layer, taken from the app config (see README, Configuration). */
export const STREAMING_OPTIONS = Symbol('STREAMING_OPTIONS');

export interface StreamingOptions {
  /** Unwritten chunks are flushed after this many milliseconds… */
  chunkFlushMs: number;
  /** …or once this many are waiting. */
  chunkFlushMax: number;
  /** What closing the last viewer does to a live run. */
  onDisconnect: 'detach' | 'stop';
  /** Default seconds a human has to answer an input request. */
  inputTimeoutS: number;
  /** Live runs in this process, in total and per user; a start over either is refused. */
  maxLiveRuns: number;
  maxLiveRunsPerUser: number;
  /** Largest client frame the run socket accepts (an `error` frame past it). */
  maxFrameBytes: number;
  /** Largest task text, and largest decoded file, in a `start` frame. */
  maxTaskChars: number;
  maxFileBytes: number;
  /** WebSocket ping interval; a socket that misses a whole interval is dropped. 0 disables. */
  pingIntervalMs: number;
  /** A viewer's send buffer past which its chunks are merged, and past which it is closed 1013. */
  viewerSoftLimitBytes: number;
  viewerHardLimitBytes: number;
}
