/**
 * An SDK's failures as engine errors, for the SDKs generated from one template (openai and
 * @anthropic-ai/sdk share their error classes' shape). What reaches a client is the status and,
 * when the model API answered JSON, its error message cut short (upstream-errors.ts): never a
 * raw body, never a JS error text from inside the SDK or the mapping.
 */
import { EgressRefusedError, ResponseLimitError, shorten, upstreamMessage } from '../egress/index.js';
import { EngineError, ModelError, cancelledFrom } from '../errors.js';

type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T;

/** What differs between SDKs. */
export interface SdkErrorMapping<A extends Error> {
  /** The SDK's HTTP error (`status`, parsed body), its connection error and its timeout. */
  apiError: ErrorClass<A & { status?: unknown }>;
  connectionError: ErrorClass;
  timeoutError: ErrorClass;
  /** The provider's error as upstreamMessage reads it (`{error: {message}}`). */
  body(error: A): unknown;
  /** Said after a 401/403 when no key was sent: where the server's key goes, and what to set. */
  noKeySent: string;
  /** Said when what the server sent could not be read (a plain answer; a stream). */
  malformed: { answer: string; stream: string };
  /** The SDK's own refusals before any request (their text names no upstream), with a prefix. */
  clientError?: { type: ErrorClass; prefix: string };
}

/**
 * Every failure becomes an engine error: an abort is a CancelledError (the caller's stop, not a
 * model failure); an egress refusal a ModelError saying so; an HTTP error a ModelError with the
 * status and the provider's own (shortened) message; a body past the egress limits a ModelError
 * naming the limit; anything else that broke while reading the server's answer the fixed
 * `malformed` text.
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 * @param streaming whether the request was streamed (says "stream" rather than "answer")
 */
export function sdkEngineError<A extends Error>(
  mapping: SdkErrorMapping<A>,
  error: unknown,
  signal: AbortSignal | undefined,
  keySent: boolean,
  streaming: boolean,
): EngineError {
  if (signal?.aborted) return cancelledFrom(signal);
  const refused = causeOf(error, EgressRefusedError);
  if (refused) return new ModelError(refused.message, { cause: error });
  const limit = causeOf(error, ResponseLimitError);
  if (limit) return new ModelError(limit.message, { cause: error });
  if (error instanceof EngineError) return error;
  if (error instanceof mapping.timeoutError) return new ModelError('Model request timed out', { cause: error });
  if (error instanceof mapping.connectionError) return new ModelError(`Could not reach the model server: ${describe(error)}`, { cause: error });
  if (error instanceof mapping.apiError) {
    const serverMessage = upstreamMessage(mapping.body(error));
    const said = serverMessage ? `: ${serverMessage}` : '';
    // The SDKs type the status as `any`; it is the HTTP status, or undefined mid-stream.
    const status = error.status as number | undefined;
    if (status === undefined) return new ModelError(`Model stream failed${said}`, { cause: error });
    const noKey = !keySent && (status === 401 || status === 403) ? `; ${mapping.noKeySent}` : '';
    return new ModelError(`Model request failed with HTTP ${status}${said}${noKey}`, { status, cause: error });
  }
  // JSON.parse quotes the start of what it could not parse: that is the upstream's body.
  if (error instanceof SyntaxError) return new ModelError('The model server answered with a body that is not valid JSON', { cause: error });
  // The connection failing while the body streams (the egress fetch says "terminated", as undici
  // does), or a socket / decompression error carrying a code.
  if ((error instanceof TypeError && error.message === 'terminated') || hasErrorCode(error)) {
    return new ModelError(`Model stream failed: ${describe(error)}`, { cause: error });
  }
  if (mapping.clientError && error instanceof mapping.clientError.type) {
    return new ModelError(`${mapping.clientError.prefix}: ${shorten(error.message)}`, { cause: error });
  }
  // Anything else broke inside the SDK or the mapping while reading what the server sent.
  return new ModelError(streaming ? mapping.malformed.stream : mapping.malformed.answer, { cause: error });
}

/** The first error of type `type` in `error`'s cause chain (itself included). */
function causeOf<T extends Error>(error: unknown, type: ErrorClass<T>): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof type) return e;
  return undefined;
}

/** Whether `error` is a system (socket, zlib) error: it has a string `code` such as ECONNRESET. */
function hasErrorCode(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** An error's message and its cause's, shortened (a network error names host and code, no body). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return shorten(String(error));
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return shorten(`${error.message}${cause}`);
}
