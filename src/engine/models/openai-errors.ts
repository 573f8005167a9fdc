/**
 * The openai SDK's failures as engine errors (sdk-errors.ts): the status and the provider's own
 * shortened message, never a raw body.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { EngineError } from '../errors.js';
import { MALFORMED_ANSWER, MALFORMED_STREAM } from './openai-mapping.js';
import { sdkEngineError, type SdkErrorMapping } from './sdk-errors.js';

const OPENAI_ERRORS: SdkErrorMapping<APIError> = {
  apiError: APIError,
  connectionError: APIConnectionError,
  timeoutError: APIConnectionTimeoutError,
  // The SDK keeps the body's inner `error` object.
  body: (error) => ({ error: error.error as unknown }),
  noKeySent:
    "no API key was sent: the server's own key goes only to the endpoint it belongs to (OPENAI_BASE_URL / AZURE_OPENAI_ENDPOINT); set api_key in the model client config",
  malformed: { answer: MALFORMED_ANSWER, stream: MALFORMED_STREAM },
};

/**
 * @param keySent whether a real key went with the request (to explain a 401/403 without one)
 * @param streaming whether the request was streamed (says "stream" rather than "answer")
 */
export function toEngineError(error: unknown, signal: AbortSignal | undefined, keySent = true, streaming = false): EngineError {
  return sdkEngineError(OPENAI_ERRORS, error, signal, keySent, streaming);
}
