/**
 * The openai SDK's failures as engine errors. What reaches a client is the status and, when the
 * model API answered JSON, its error message cut short (upstream-errors.ts): never a raw body.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { EgressRefusedError, ResponseLimitError, shorten, upstreamMessage } from '../egress/index.js';
import { EngineError, ModelError, cancelledFrom } from '../errors.js';
import { MALFORMED_ANSWER, MALFORMED_STREAM } from './openai-mapping.js';

/** Said after a 401/403 when no key was sent, so the user knows why the endpoint refused. */
const NO_KEY_SENT =
  "no API key was sent: the server's own key goes only to the endpoint it belongs to (OPENAI_BASE_URL / AZURE_OPENAI_ENDPOINT); set api_key in the model client config";

/**
 * Every failure becomes an engine error: an abort is a CancelledError (the caller's stop, not a
 * model failure); an egress refusal a ModelError saying so; an HTTP error a ModelError with
 * the status and the provider's own (shortened) message; a body past the egress limits a
 * ModelError naming the limit. A failure inside the SDK or the mapping (a TypeError reading a
 * chunk of the wrong shape, and the like) is the server's answer being malformed: its JS text
 * (`chunk.choices is not iterable`) never reaches the client.
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 * @param streaming whether the request was streamed (says "stream" rather than "answer")
 */
export function toEngineError(error: unknown, signal: AbortSignal | undefined, keySent = true, streaming = false): EngineError {
  if (signal?.aborted) return cancelledFrom(signal);
  if (error instanceof EgressRefusedError) return new ModelError(error.message, { cause: error });
  const limit = causeOf(error, ResponseLimitError);
  if (limit) return new ModelError(limit.message, { cause: error });
  if (error instanceof EngineError) return error;
  if (error instanceof APIConnectionTimeoutError) return new ModelError('Model request timed out', { cause: error });
  if (error instanceof APIConnectionError) {
    if (error.cause instanceof EgressRefusedError) return new ModelError(error.cause.message, { cause: error });
    return new ModelError(`Could not reach the model server: ${describe(error)}`, { cause: error });
  }
  if (error instanceof APIError) {
    const serverMessage = upstreamMessage({ error: error.error as unknown });
    // The SDK types the status as `any`; it is the HTTP status, or undefined mid-stream.
    const status = error.status as number | undefined;
    if (status === undefined) {
      return new ModelError(`Model stream failed${serverMessage ? `: ${serverMessage}` : ''}`, { cause: error });
    }
    const noKey = !keySent && (status === 401 || status === 403) ? `; ${NO_KEY_SENT}` : '';
    return new ModelError(`Model request failed with HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}${noKey}`, {
      status,
      cause: error,
    });
  }
  // JSON.parse quotes the start of what it could not parse: that is the upstream's body.
  if (error instanceof SyntaxError) return new ModelError('The model server answered with a body that is not valid JSON', { cause: error });
  // The connection failing while the body streams (the egress fetch says "terminated", as undici
  // does), or a socket / decompression error carrying a code.
  if ((error instanceof TypeError && error.message === 'terminated') || hasErrorCode(error)) {
    return new ModelError(`Model stream failed: ${describe(error)}`, { cause: error });
  }
  // Anything else broke inside the SDK or the mapping while reading what the server sent.
  return new ModelError(streaming ? MALFORMED_STREAM : MALFORMED_ANSWER, { cause: error });
}

/** The first error of type `type` in `error`'s cause chain (itself included). */
function causeOf<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
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
