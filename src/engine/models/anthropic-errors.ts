/**
 * The Anthropic SDK's failures as engine errors, as openai-errors.ts does for the openai SDK:
 * an abort is a CancelledError, an egress refusal or an HTTP error a ModelError with the status
 * and the provider's own (shortened) message; never a raw body.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, AnthropicError } from '@anthropic-ai/sdk';
import { EgressRefusedError, ResponseLimitError, shorten, upstreamMessage } from '../egress/index.js';
import { EngineError, ModelError, cancelledFrom } from '../errors.js';
import { ANTHROPIC_MALFORMED_ANSWER, ANTHROPIC_MALFORMED_STREAM } from './anthropic-mapping.js';

/** Said after a 401/403 when no key was sent, so the user knows why the endpoint refused. */
const NO_KEY_SENT =
  "no API key was sent: the server's own key goes only to the endpoint it belongs to (ANTHROPIC_BASE_URL, else the official one); set api_key in the model client config";

/**
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 * @param streaming whether the request was streamed (says "stream" rather than "answer")
 */
export function toAnthropicEngineError(error: unknown, signal: AbortSignal | undefined, keySent = true, streaming = false): EngineError {
  if (signal?.aborted) return cancelledFrom(signal);
  if (error instanceof EgressRefusedError) return new ModelError(error.message, { cause: error });
  const limit = causeOf(error, ResponseLimitError);
  if (limit) return new ModelError(limit.message, { cause: error });
  const refused = causeOf(error, EgressRefusedError);
  if (refused) return new ModelError(refused.message, { cause: error });
  if (error instanceof EngineError) return error;
  if (error instanceof APIConnectionTimeoutError) return new ModelError('Model request timed out', { cause: error });
  if (error instanceof APIConnectionError) return new ModelError(`Could not reach the model server: ${describe(error)}`, { cause: error });
  if (error instanceof APIError) {
    // The SDK keeps the parsed error body: `{type: "error", error: {type, message}}`.
    const serverMessage = upstreamMessage(error.error as unknown);
    const status = error.status as number | undefined;
    if (status === undefined) return new ModelError(`Model stream failed${serverMessage ? `: ${serverMessage}` : ''}`, { cause: error });
    const noKey = !keySent && (status === 401 || status === 403) ? `; ${NO_KEY_SENT}` : '';
    return new ModelError(`Model request failed with HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}${noKey}`, { status, cause: error });
  }
  if (error instanceof SyntaxError) return new ModelError('The model server answered with a body that is not valid JSON', { cause: error });
  if ((error instanceof TypeError && error.message === 'terminated') || hasErrorCode(error)) {
    return new ModelError(`Model stream failed: ${describe(error)}`, { cause: error });
  }
  // The SDK's own refusals (e.g. a request it will not send) say what is wrong; nothing upstream in them.
  if (error instanceof AnthropicError) return new ModelError(`Anthropic client error: ${shorten(error.message)}`, { cause: error });
  return new ModelError(streaming ? ANTHROPIC_MALFORMED_STREAM : ANTHROPIC_MALFORMED_ANSWER, { cause: error });
}

function causeOf<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof type) return e;
  return undefined;
}

function hasErrorCode(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return shorten(String(error));
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return shorten(`${error.message}${cause}`);
}
