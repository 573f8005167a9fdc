/**
 * What of an upstream's error answer may reach a client: its status, and the provider's own
 * error *message* when the body is JSON (OpenAI `{error: {message}}`, Ollama `{error: "…"}`,
 * `{message}`, `{detail}`), cut short. Never the raw body: an internal service's HTML 404 page
 * or a stack trace would otherwise be echoed to whoever chose the URL. Nor a secret: a provider
 * that echoes the API key it refused (`Incorrect API key provided: sk-…`) has the credentials sent
 * with that request and API-key-looking strings masked (secret-text.ts) before anything is cut.
 */
import { redactValues, scrubSecrets } from './secret-text.js';

/** Longest upstream message passed on, in characters. */
export const UPSTREAM_MESSAGE_MAX = 300;

/**
 * Masks secret-looking strings (scrubSecrets), collapses whitespace, drops control characters
 * and cuts `text` to `max` characters (with …).
 */
export function shorten(text: string, max = UPSTREAM_MESSAGE_MAX): string {
  const flat = scrubSecrets(text)
    // eslint-disable-next-line no-control-regex -- dropping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The message field of a parsed JSON error body, with `secrets` (the credentials sent with the
 * request, when known) masked, then shortened; undefined when there is none.
 */
export function upstreamMessage(body: unknown, secrets: readonly string[] = []): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  const candidates = [
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>).message : undefined,
    error,
    record.message,
    record.detail,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
  return found === undefined ? undefined : shorten(redactValues(found, secrets));
}

/**
 * The body an error answer is replaced with: `{"error":{"message":"…"}}` when the original is a
 * JSON object with a message field, else nothing. Both the openai SDK and the MCP SDK read
 * this shape (or the empty body) into their own errors.
 * @param secrets the credentials sent with the request (requestCredentials): masked in the message
 */
export function sanitizedErrorBody(raw: string, secrets: readonly string[] = []): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const message = upstreamMessage(parsed, secrets);
  return message === undefined ? undefined : JSON.stringify({ error: { message } });
}
