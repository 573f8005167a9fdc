/**
 * The service's one error taxonomy. Everything a request can fail with has one of these kinds;
 * `describeError` classifies any thrown value (our AppErrors, the engine's typed errors, Nest's
 * HttpExceptions, body-parser's refusals) and `ERROR_TRANSPORT` says what each kind becomes on
 * every transport: an HTTP status, a socket close code, a CLI exit code. Services throw kinds,
 * never transport exceptions; each transport maps them in exactly one place.
 */
import { CancelledError, ConfigError, EngineError, InputUnavailableError, ModelError, RunStateError, ToolError } from '../engine/index.js';

export const ERROR_KINDS = [
  'bad_request',
  'not_found',
  'conflict',
  'forbidden',
  'unauthorized',
  'too_many',
  'too_large',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ErrorTransport {
  /** HTTP status of a REST answer. */
  http: number;
  /** WebSocket close code when the kind ends a socket (at the upgrade, or a fatal failure). */
  socketClose: number;
  /** Exit code of the `teamstream` CLI (sysexits.h where one fits; 1 for a bad config or task, as before). */
  cliExit: number;
}

/**
 * The one table. Socket codes: 4001/4004 are AutoGen Studio's (protocol §1.3), 1008 policy
 * violation, 1009 too big, 1011 server error, 1013 try again later (RFC 6455 / IANA registry).
 */
export const ERROR_TRANSPORT: Readonly<Record<ErrorKind, ErrorTransport>> = {
  bad_request: { http: 400, socketClose: 1008, cliExit: 1 },
  not_found: { http: 404, socketClose: 4004, cliExit: 1 },
  conflict: { http: 409, socketClose: 1008, cliExit: 1 },
  // AGS closes with 4001 both for a bad token and for a run the user may not see.
  forbidden: { http: 403, socketClose: 4001, cliExit: 77 },
  unauthorized: { http: 401, socketClose: 4001, cliExit: 77 },
  too_many: { http: 429, socketClose: 1013, cliExit: 75 },
  too_large: { http: 413, socketClose: 1009, cliExit: 1 },
  unavailable: { http: 503, socketClose: 1013, cliExit: 69 },
  internal: { http: 500, socketClose: 1011, cliExit: 70 },
};

/** What a client is told for `internal`: never the cause, which is logged instead. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** A request refused for a reason of one kind; `message` is safe to show the caller. */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A row that is missing or not the caller's (the two are indistinguishable on purpose). */
export class NotFoundError extends AppError {
  constructor(
    readonly resource: string,
    readonly id: number | string,
  ) {
    super('not_found', `${resource} ${id} not found`);
  }
}

/** No valid credentials (a missing, malformed, forged or expired token): HTTP 401, socket 4001. */
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

/** The caller went over the request rate limit: HTTP 429 with a Retry-After header (seconds). */
export class TooManyRequestsError extends AppError {
  constructor(
    readonly retryAfterS: number,
    readonly limitPerMinute: number,
  ) {
    super('too_many', `Rate limit of ${limitPerMinute} requests per minute exceeded; retry in ${retryAfterS} s`);
  }
}

export interface DescribedError {
  kind: ErrorKind;
  /** Safe to show the caller; for `internal`, INTERNAL_ERROR_MESSAGE. */
  message: string;
}

/** The kind of an engine error: the engine's typed errors are mapped here and nowhere else. */
function engineKind(error: EngineError): ErrorKind {
  if (error instanceof ConfigError || error instanceof InputUnavailableError) return 'bad_request';
  if (error instanceof RunStateError || error instanceof CancelledError) return 'conflict';
  if (error instanceof ModelError || error instanceof ToolError) return 'unavailable';
  return 'internal';
}

function httpKind(status: number): ErrorKind {
  const found = ERROR_KINDS.find((kind) => ERROR_TRANSPORT[kind].http === status);
  if (found) return found;
  return status >= 500 ? 'internal' : 'bad_request';
}

/**
 * Nest's HttpException, recognised by its shape rather than imported, so that this module (and
 * the CLI, which uses the table) needs no Nest.
 */
interface HttpExceptionLike {
  getStatus(): number;
  getResponse(): string | object;
  message: string;
}

function isHttpException(error: unknown): error is HttpExceptionLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<HttpExceptionLike>).getStatus === 'function' &&
    typeof (error as Partial<HttpExceptionLike>).getResponse === 'function'
  );
}

function httpExceptionMessage(error: HttpExceptionLike): string {
  const body = error.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : error.message;
}

/** Classifies anything thrown. Unknown values are `internal`, their text withheld. */
export function describeError(error: unknown): DescribedError {
  let kind: ErrorKind;
  let message: string;
  if (error instanceof AppError) [kind, message] = [error.kind, error.message];
  else if (error instanceof EngineError) [kind, message] = [engineKind(error), error.message];
  else if (isHttpException(error)) [kind, message] = [httpKind(error.getStatus()), httpExceptionMessage(error)];
  else if (isBodyTooLarge(error)) [kind, message] = ['too_large', 'Request body is too large'];
  else [kind, message] = ['internal', INTERNAL_ERROR_MESSAGE];
  return { kind, message: kind === 'internal' ? INTERNAL_ERROR_MESSAGE : message };
}

/** body-parser's refusal of a body over its limit, before Nest wraps it. */
function isBodyTooLarge(error: unknown): boolean {
  return error !== null && typeof error === 'object' && (error as { type?: unknown }).type === 'entity.too.large';
}
