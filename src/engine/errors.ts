/**
 * The engine's one error hierarchy. The Nest layer maps these to HTTP codes and WebSocket
 * frames in exactly one place each; the engine never throws transport exceptions.
 */
export abstract class EngineError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A component config that cannot be loaded: unknown provider, bad field, refused tool. */
export class ConfigError extends EngineError {
  readonly code = 'config_error';
  /** JSON path of the offending value, e.g. `config.participants[1].config.model_client`. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/** A model call that failed; `status` is the HTTP status when the server answered. */
export class ModelError extends EngineError {
  readonly code = 'model_error';
  readonly status: number | undefined;
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options);
    this.status = options?.status;
  }
}

/** A tool that could not run at all (as opposed to one that ran and reported an error). */
export class ToolError extends EngineError {
  readonly code = 'tool_error';
  readonly toolName: string;
  constructor(toolName: string, message: string, options?: { cause?: unknown }) {
    super(`${toolName}: ${message}`, options);
    this.toolName = toolName;
  }
}

/** The team was used wrongly at run time (a second concurrent run, a bad task, ...). */
export class RunStateError extends EngineError {
  readonly code = 'run_state_error';
}

/** The run was cancelled through its AbortSignal; `reason` is the caller's stop reason. */
export class CancelledError extends EngineError {
  readonly code = 'cancelled';
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/** Throws a CancelledError carrying the signal's reason if the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledFrom(signal);
}

/** The CancelledError for an aborted signal; a string reason is kept as the stop reason. */
export function cancelledFrom(signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason;
  if (typeof reason === 'string') return new CancelledError(reason);
  if (reason instanceof Error && reason.name !== 'AbortError') return new CancelledError(reason.message);
  return new CancelledError('Cancelled');
}

/**
 * A UserProxyAgent asked for human input in a run that has no human to answer (a test run, a
 * request/response endpoint): the run ends `error` with this, never waits.
 */
export class InputUnavailableError extends EngineError {
  readonly code = 'input_unavailable';
  /** The agent that asked (the UserProxyAgent's name). */
  readonly source: string;
  constructor(source: string) {
    super(`${source} asked for human input, and this run has no one to answer it`);
    this.source = source;
  }
}
