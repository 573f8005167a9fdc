/**
 * Bounds a graceful shutdown: once a shutdown signal arrives, the process exits with code 1
 * after `graceS` seconds even if the drain (live runs ending, viewers getting their terminal
 * frames, the database closing) has not finished. Nest's own signal handler runs the drain; this
 * only adds the deadline (SHUTDOWN_GRACE_S), as Kubernetes' terminationGracePeriodSeconds would
 * with SIGKILL, but with a log line saying why.
 */
export interface ShutdownDeadlineDeps {
  /** Where signals arrive (process). */
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): void;
  warn(message: string): void;
}

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Arms the deadline for each of `signals`; the first signal starts one unref'd timer (it never
 * keeps the process alive by itself). Returns a function that disarms a started timer.
 */
export function armShutdownDeadline(
  graceS: number,
  deps: ShutdownDeadlineDeps = {
    on: (signal, listener) => process.once(signal, listener),
    exit: (code) => process.exit(code),
    warn: (message) => console.error(message),
  },
  signals: readonly NodeJS.Signals[] = SHUTDOWN_SIGNALS,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const start = (signal: NodeJS.Signals) => {
    if (timer) return;
    timer = setTimeout(() => {
      deps.warn(`Shutdown (${signal}) did not finish within SHUTDOWN_GRACE_S=${graceS}s; exiting with work still in progress`);
      deps.exit(1);
    }, graceS * 1000);
    timer.unref();
  };
  for (const signal of signals) deps.on(signal, () => start(signal));
  return () => clearTimeout(timer);
}
