/**
 * What of an upstream's error answer may reach a client: its status, and the provider's own
 * error *message* when the body is JSON (OpenAI `{error: {message}}`, Ollama `{error: "…"}`,
 * `{message}`, `{detail}`), cut short. Never the raw body: an internal service's HTML 404 page
 * or a stack trace would otherwise be echoed to whoever chose the URL.
 */

/** Longest upstream message passed on, in characters. */
export const UPSTREAM_MESSAGE_MAX = 300;

/** Collapses whitespace, drops control characters and cuts `text` to `max` characters (with …). */
export function shorten(text: string, max = UPSTREAM_MESSAGE_MAX): string {
  const flat = text
    // eslint-disable-next-line no-control-regex -- dropping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The message field of a parsed JSON error body, shortened; undefined when there is none. */
export function upstreamMessage(body: unknown): string | undefined {
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
  return found === undefined ? undefined : shorten(found);
}

/**
 * The body an error answer is replaced with: `{"error":{"message":"…"}}` when the original is a
 * JSON object with a message field, else nothing. Both the openai SDK and the MCP SDK read
 * this shape (or the empty body) into their own errors.
 */
export function sanitizedErrorBody(raw: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const message = upstreamMessage(parsed);
  return message === undefined ? undefined : JSON.stringify({ error: { message } });
}
