/**
 * The openai SDK's failures as engine errors. What reaches a client is the status and, when the
 * model API answered JSON, its error message cut short (upstream-errors.ts): never a raw body.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { EgressRefusedError, shorten, upstreamMessage } from '../egress/index.js';
import { EngineError, ModelError, cancelledFrom } from '../errors.js';

/** Said after a 401/403 when no key was sent, so the user knows why the endpoint refused. */
const NO_KEY_SENT =
  "no API key was sent: the server's own key goes only to the endpoint it belongs to (OPENAI_BASE_URL / AZURE_OPENAI_ENDPOINT); set api_key in the model client config";

/**
 * Every failure becomes an engine error: an abort is a CancelledError (the caller's stop, not a
 * model failure); an egress refusal a ModelError saying so; an HTTP error a ModelError with
 * the status and the provider's own (shortened) message.
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 */
export function toEngineError(error: unknown, signal: AbortSignal | undefined, keySent = true): EngineError {
  if (signal?.aborted) return cancelledFrom(signal);
  if (error instanceof EgressRefusedError) return new ModelError(error.message, { cause: error });
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
  // Anything else is the connection failing while the body streams (undici says "terminated").
  return new ModelError(`Model stream failed: ${describe(error)}`, { cause: error });
}

/** An error's message and its cause's, shortened (a network error names host and code, no body). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return shorten(String(error));
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return shorten(`${error.message}${cause}`);
}
