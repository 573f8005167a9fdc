/**
 * Masking of secrets inside free text, shared by the egress layer (an upstream's error message
 * before it becomes an engine error, so it reaches no client, span or stored stop reason) and the
 * service's log (src/observability/pino-logger.ts imports it from the engine's public surface).
 */

/** What a masked secret is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Shortest credential value {@link redactValues} replaces: shorter "secrets" (a test's `x`, an
 * empty key) would garble ordinary words and protect nothing.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * `text` with secret-looking substrings masked: the value after `Bearer `, the value of a
 * (when {@link tokenLike}), the value of a `token=` / `access_token=` query parameter, and API-key-looking strings (`sk-…` as OpenAI,
 * Anthropic `sk-ant-…` and most OpenAI-compatible servers issue them, 8+ characters after `sk-`).
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(bearer\s+)([A-Za-z0-9._~+/=-]+)/gi, (whole, bearer: string, value: string) => (tokenLike(value) ? `${bearer}${REDACTED}` : whole))
    .replace(/([?&](?:access_)?token=)[^&\s"']+/gi, `$1${REDACTED}`)
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED);
}

/**
 * Whether the word after `Bearer` is a token rather than prose (`Missing bearer token`): it has a
 * digit or punctuation (JWTs, `sk-` keys, hex and base64 tokens), or is 20+ characters long.
 */
function tokenLike(value: string): boolean {
  return /[\d._~+/=-]/.test(value) || value.length >= 20;
}

/** `text` with every occurrence of each of `values` (at least {@link MIN_SECRET_LENGTH} characters) replaced by {@link REDACTED}. */
export function redactValues(text: string, values: Iterable<string>): string {
  let out = text;
  // Longest first: a key that contains another is replaced whole.
  const sorted = [...new Set(values)].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const value of sorted) out = out.split(value).join(REDACTED);
  return out;
}

/** Request header names whose values are credentials (matched case-insensitively). */
const CREDENTIAL_HEADER = /authorization|api[-_]?key|token|secret|password|cookie/i;
/** Query parameter names whose values are credentials (Gemini's `key`, Azure's `api-key`, `token`…). */
const CREDENTIAL_PARAM = /^(?:key|api[-_]?key|(?:access_)?token|sig|signature|secret|password)$/i;

/**
 * The credentials a request carries: the values of its credential headers (`Authorization`, without
 * its scheme word: `Bearer <key>` gives `<key>`; `x-api-key`, `api-key`, any header
 * naming a token, secret, password or cookie) and of its credential query parameters, and the
 * URL's password. Used to take them out of the upstream's error answer to that very request.
 */
export function requestCredentials(url: URL, headers: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADER.test(name)) continue;
    const scheme = /^\s*[A-Za-z][\w-]*\s+(\S+)\s*$/.exec(value);
    found.push(scheme ? scheme[1]! : value);
  }
  for (const [name, value] of url.searchParams) if (CREDENTIAL_PARAM.test(name)) found.push(value);
  if (url.password) found.push(decodeURIComponent(url.password));
  return found.filter((v) => v.trim().length >= MIN_SECRET_LENGTH);
}
