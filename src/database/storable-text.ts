/**
 * Text the server itself composes and stores (stop reasons, error texts, the system message of a
 * failed run) can carry what a model, a tool or a client put in it. PostgreSQL refuses U+0000 in
 * a text column (SQLSTATE 22021), and a lone UTF-16 surrogate has no UTF-8 encoding at all (the
 * driver would silently turn it into U+FFFD). A write must never fail for its content, so such
 * text is made storable before it is written.
 */

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching U+0000 is this pattern's job
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` without U+0000 and without lone surrogates; everything else (surrogate pairs, other
 * control characters) is kept. Idempotent. Example: `storableText('a\u0000b\uD800')` → `'ab'`.
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '');
}

/** {@link storableText} for a nullable column value. */
export function storableTextOrNull(text: string | null): string | null {
  return text === null ? null : storableText(text);
}
