/**
 * The Anthropic SDK's failures as engine errors (sdk-errors.ts), as for the openai SDK; the SDK's
 * own refusals before any request (no upstream in them) keep their text.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, AnthropicError } from '@anthropic-ai/sdk';
import type { EngineError } from '../errors.js';
import { ANTHROPIC_MALFORMED_ANSWER, ANTHROPIC_MALFORMED_STREAM } from './anthropic-mapping.js';
import { sdkEngineError, type SdkErrorMapping } from './sdk-errors.js';

const ANTHROPIC_ERRORS: SdkErrorMapping<APIError> = {
  apiError: APIError,
  connectionError: APIConnectionError,
  timeoutError: APIConnectionTimeoutError,
  // The SDK keeps the whole parsed body: `{type: "error", error: {type, message}}`.
  body: (error) => error.error as unknown,
  noKeySent:
    "no API key was sent: the server's own key goes only to the endpoint it belongs to (ANTHROPIC_BASE_URL, else the official one); set api_key in the model client config",
  malformed: { answer: ANTHROPIC_MALFORMED_ANSWER, stream: ANTHROPIC_MALFORMED_STREAM },
  clientError: { type: AnthropicError, prefix: 'Anthropic client error' },
};

/**
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 * @param streaming whether the request was streamed (says "stream" rather than "answer")
 */
export function toAnthropicEngineError(error: unknown, signal: AbortSignal | undefined, keySent = true, streaming = false): EngineError {
  return sdkEngineError(ANTHROPIC_ERRORS, error, signal, keySent, streaming);
}
