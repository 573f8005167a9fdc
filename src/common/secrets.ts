/**
 * Secrets inside stored JSON (team configs, gallery components, settings) never leave the
 * service: reads replace them with {@link SECRET_MARKER}, and a save that sends the marker back
 * (the front-end saves what it read) keeps the stored value instead of overwriting it, but only
 * while the secret still goes where it went when it was saved (see {@link restoreSecrets}).
 */
import type { JsonValue } from './json.js';

/** What a secret reads as. A client that sends it back means "unchanged". */
export const SECRET_MARKER = '********';

/** Keys that hold a secret wherever they appear (compared lower-case, without `_` and `-`). */
const SECRET_KEYS = new Set([
  'apikey',
  'azureadtoken',
  'password',
  'passwd',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'bearertoken',
  'authorization',
  'xapikey',
  'privatekey',
]);

/**
 * Inside `env` (MCP stdio server environment), `headers` (MCP HTTP headers) and a model's
 * `default_headers` the names are free-form (`GITHUB_TOKEN`, `X-Api-Key`,
 * `Ocp-Apim-Subscription-Key`, `Cookie`), so any name that looks like a credential counts.
 */
const FREE_FORM_PARENTS = new Set(['env', 'headers', 'default_headers', 'extra_headers']);
const CREDENTIAL_WORDS = /key|token|secret|passw|auth|credential|cookie/i;

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** Whether `key` (a child of `parentKey`) holds a secret. `max_total_token` and `max_tokens` do not. */
export function isSecretKey(key: string, parentKey: string | undefined): boolean {
  if (SECRET_KEYS.has(normalise(key))) return true;
  return parentKey !== undefined && FREE_FORM_PARENTS.has(parentKey) && CREDENTIAL_WORDS.test(key);
}

/** Keys whose value is a URL that may carry a credential in its user info or query (`?key=`). */
const URL_KEYS = new Set(['base_url', 'azure_endpoint', 'url', 'endpoint']);

/**
 * `url` with the password of its user info and the values of credential-like query parameters
 * replaced by the marker; `url` itself when it carries none (or is not a URL).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.password) {
    parsed.password = SECRET_MARKER;
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_KEYS.has(normalise(name)) || CREDENTIAL_WORDS.test(name) || normalise(name) === 'sig') {
      parsed.searchParams.set(name, SECRET_MARKER);
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}

/** `url` without the parts that hold the marker (a redacted credential with nothing to restore it from). */
function withoutMarkers(url: string): string {
  if (!url.includes(SECRET_MARKER)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password === SECRET_MARKER) parsed.password = '';
  for (const [name, value] of [...parsed.searchParams.entries()]) if (value === SECRET_MARKER) parsed.searchParams.delete(name);
  return parsed.toString();
}

/** A URL field sent back as it was read (its credentials redacted) means the stored URL, unchanged. */
function sameUrl(incoming: JsonValue | undefined, stored: JsonValue | undefined): boolean {
  return typeof incoming === 'string' && typeof stored === 'string' && incoming !== stored && incoming === redactUrl(stored);
}

/** A deep copy of `value` with every non-empty string secret replaced by the marker. */
export function redactSecrets<T extends JsonValue>(value: T): T {
  return redact(value, undefined) as T;
}

function redact(value: JsonValue, parentKey: string | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((v) => redact(v, undefined));
  if (value === null || typeof value !== 'object') return value;
  // fromEntries defines own properties, so a `__proto__` key stays a key (no prototype change).
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (typeof v !== 'string') return [key, redact(v, key)];
      if (v !== '' && isSecretKey(key, parentKey)) return [key, SECRET_MARKER];
      return [key, URL_KEYS.has(key) ? redactUrl(v) : v];
    }),
  );
}

/**
 * Fields that say where a secret is sent: a model's `base_url` / `azure_endpoint`, an MCP
 * server's `url`, the stdio `command` and `args` that receive its `env`, or the `scheme`,
 * `host` and `port` of an HttpTool or an Ollama client (whose `headers` may hold a key).
 */
const DESTINATION_KEYS = ['base_url', 'azure_endpoint', 'url', 'command', 'args', 'scheme', 'host', 'port'];

/**
 * `incoming` with each marker put back to the value at the same path in `stored`, as long as
 * the secret's destination is unchanged: when a destination field (DESTINATION_KEYS) of the
 * object holding the secret, or of its parent (for `headers` / `env` / `default_headers`),
 * differs from the stored one, the secret is dropped, so whoever edits or re-sends a team
 * cannot send a stored key to an endpoint of their choosing; the user types it again.
 * A dropped marker, or one with nothing stored behind it (a new row, a path that moved), is
 * removed rather than saved as the key "********": the model client then has no key of its
 * own, and gets the server's only for the endpoint that key belongs to.
 * `stored` must be the row being updated, already checked to be the caller's.
 */
export function restoreSecrets<T extends JsonValue>(incoming: T, stored: JsonValue | undefined): T {
  return restore(incoming, stored, undefined, true) as T;
}

/** Whether every destination field of `incoming` equals the stored one (absent equals absent). */
function sameDestination(incoming: { [key: string]: JsonValue }, stored: { [key: string]: JsonValue } | undefined): boolean {
  if (!stored) return true;
  const at = (o: { [key: string]: JsonValue }, key: string) => (Object.hasOwn(o, key) ? o[key] : null);
  return DESTINATION_KEYS.every(
    (key) => sameUrl(at(incoming, key), at(stored, key)) || JSON.stringify(at(incoming, key)) === JSON.stringify(at(stored, key)),
  );
}

function restore(incoming: JsonValue, stored: JsonValue | undefined, parentKey: string | undefined, parentSameDestination: boolean): JsonValue {
  if (Array.isArray(incoming)) {
    return incoming.map((v, i) => restore(v, Array.isArray(stored) ? stored[i] : undefined, undefined, true));
  }
  if (incoming === null || typeof incoming !== 'object') return incoming;
  const storedObject = stored !== null && typeof stored === 'object' && !Array.isArray(stored) ? stored : undefined;
  const ownSameDestination = sameDestination(incoming, storedObject);
  const restorable = ownSameDestination && parentSameDestination;
  const entries: [string, JsonValue][] = [];
  for (const [key, v] of Object.entries(incoming)) {
    const before = Object.hasOwn(storedObject ?? {}, key) ? storedObject?.[key] : undefined;
    if (v === SECRET_MARKER && isSecretKey(key, parentKey)) {
      if (restorable && typeof before === 'string') entries.push([key, before]);
      continue;
    }
    // A URL read with its credentials redacted and sent back as read keeps the stored one.
    if (URL_KEYS.has(key) && typeof v === 'string') {
      entries.push([key, sameUrl(v, before) ? before! : withoutMarkers(v)]);
      continue;
    }
    entries.push([key, restore(v, before, key, ownSameDestination)]);
  }
  return Object.fromEntries(entries);
}
