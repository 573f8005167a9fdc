/** Tunables of the streaming layer, taken from the app config (see README, Configuration). */
export const STREAMING_OPTIONS = Symbol('STREAMING_OPTIONS');

export interface StreamingOptions {
  chunkFlushMs: number;
  chunkFlushMax: number;
  onDisconnect: 'detach' | 'stop';
  inputTimeoutS: number;
}
