/**
 * Secrets at rest (SECRETS_KEY): the secret strings inside stored JSON (a team's `api_key`s and
 * credential-like `env` / `headers` values, a user's settings environment values) are stored as
 * AES-256-GCM ciphertext, `enc:v1:<key id>:<base64(iv ‖ ciphertext ‖ tag)>`. A string without
 * that prefix reads as itself, so rows written before SECRETS_KEY was set still read (and are
 * encrypted the next time they are saved).
 *
 * Key format: 32 random bytes, base64 (`openssl rand -base64 32`). The key id is the first 8
 * hex digits of SHA-256 over the key, so a value encrypted with another key is named as such
 * instead of failing as a corrupt row. Rotation: set the new key as SECRETS_KEY and the old one
 * in SECRETS_KEY_PREVIOUS (comma-separated); values read with either, and each row is written
 * with the new key when it is next saved.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { JsonValue } from './json.js';
import { isSecretKey, SECRET_MARKER } from './secrets.js';

/** What every encrypted value starts with; the version says how the rest is laid out. */
export const ENCRYPTED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds a ciphertext to this use: one made for something else does not decrypt as a secret.
const AAD = Buffer.from('teamstream secret v1');

/** A stored secret that cannot be decrypted with the configured keys (or with none configured). */
export class SecretsKeyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretsKeyError';
  }
}

/**
 * Decodes a SECRETS_KEY value: base64 (or base64url) of exactly 32 bytes.
 * @param name the setting's name, for the error
 * @throws Error naming the setting when the value is not that
 */
export function parseSecretsKey(value: string, name = 'SECRETS_KEY'): Buffer {
  const text = value.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
    ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
    : undefined;
  if (!key || key.length !== 32) {
    throw new Error(`${name}: must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)`);
  }
  return key;
}

/** The id a key's ciphertexts carry: 8 hex digits of SHA-256 over the key (reveals nothing usable). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The key id inside an encrypted value, or undefined for a plain string. */
function encryptedKeyId(value: string): string | undefined {
  if (!value.startsWith(ENCRYPTED_PREFIX)) return undefined;
  return value.slice(ENCRYPTED_PREFIX.length).split(':', 1)[0];
}

/**
 * Encrypts with the current key and decrypts with any configured one. Without a current key
 * (SECRETS_KEY unset) `encrypt` returns its input, and `decrypt` refuses encrypted values with
 * an error naming SECRETS_KEY rather than handing ciphertext to a model client as its key.
 */
export class SecretsCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string | undefined;

  /** @param current SECRETS_KEY; @param previous SECRETS_KEY_PREVIOUS (read-only, for rotation) */
  constructor(
    private readonly current: Buffer | undefined,
    previous: readonly Buffer[] = [],
  ) {
    for (const key of [...previous, ...(current ? [current] : [])]) this.keys.set(keyIdOf(key), key);
    this.currentId = current ? keyIdOf(current) : undefined;
  }

  /** Whether values are encrypted when written (SECRETS_KEY is set). */
  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** The ids of the keys values can be read with. */
  knownKeyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** `plain` encrypted with SECRETS_KEY (a fresh 96-bit IV each time); `plain` itself when no key is set or it is already encrypted. */
  encrypt(plain: string): string {
    if (!this.current || plain.startsWith(ENCRYPTED_PREFIX)) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${ENCRYPTED_PREFIX}${this.currentId}:${body.toString('base64')}`;
  }

  /**
   * The plaintext of an encrypted value; any other string as it is.
   * @throws SecretsKeyError when no configured key has the value's key id, or the value does not
   *   authenticate under it (a wrong key with a colliding id, or a damaged row)
   */
  decrypt(value: string): string {
    const id = encryptedKeyId(value);
    if (id === undefined) return value;
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretsKeyError(
        this.current
          ? `A stored secret was encrypted with key ${id}, but SECRETS_KEY is key ${this.currentId}${this.keys.size > 1 ? ` (SECRETS_KEY_PREVIOUS: ${this.knownKeyIds().join(', ')})` : ''}: set the key it was stored with (in SECRETS_KEY_PREVIOUS when rotating)`
          : `A stored secret is encrypted (key ${id}) but SECRETS_KEY is not set: start the server with the SECRETS_KEY it was stored with`,
      );
    }
    const body = Buffer.from(value.slice(ENCRYPTED_PREFIX.length + id.length + 1), 'base64');
    if (body.length < IV_BYTES + TAG_BYTES) throw new SecretsKeyError(`A stored secret (key ${id}) is damaged: too short to be AES-GCM ciphertext`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretsKeyError(`A stored secret (key ${id}) does not decrypt with SECRETS_KEY: wrong key or damaged row`, { cause: error });
    }
  }

  /**
   * A deep copy of `value` with every secret string (see isSecretKey: `api_key`, credential-like
   * `env` / `headers` names, ...) encrypted. The redaction marker and empty strings stay as they are.
   */
  sealSecrets<T extends JsonValue>(value: T): T {
    if (!this.current) return value;
    return this.walk(value, undefined, (key, parent, v) => (v !== '' && v !== SECRET_MARKER && isSecretKey(key, parent) ? this.encrypt(v) : v)) as T;
  }

  /** A deep copy of `value` with every encrypted string decrypted (see {@link decrypt} for errors). */
  openSecrets<T extends JsonValue>(value: T): T {
    return this.walk(value, undefined, (_key, _parent, v) => this.decrypt(v)) as T;
  }

  private walk(value: JsonValue, parentKey: string | undefined, leaf: (key: string, parent: string | undefined, v: string) => string): JsonValue {
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? leaf('', parentKey, v) : this.walk(v, undefined, leaf)));
    if (value === null || typeof value !== 'object') return typeof value === 'string' ? leaf('', parentKey, value) : value;
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, typeof v === 'string' ? leaf(key, parentKey, v) : this.walk(v, key, leaf)]),
    );
  }
}

/** The cipher for SECRETS_KEY / SECRETS_KEY_PREVIOUS values as AppConfig holds them (already parsed). */
export function secretsCipherFor(secrets: { key: Buffer | undefined; previousKeys: readonly Buffer[] } | undefined): SecretsCipher {
  return new SecretsCipher(secrets?.key, secrets?.previousKeys ?? []);
}
