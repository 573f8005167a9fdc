import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { ENCRYPTED_PREFIX, keyIdOf, parseSecretsKey, SecretsCipher, SecretsKeyError } from './secrets-crypto.js';
import { SECRET_MARKER } from './secrets.js';

const key = randomBytes(32);
const other = randomBytes(32);

describe('SecretsCipher (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time and the key id in the prefix', () => {
    const cipher = new SecretsCipher(key);
    const a = cipher.encrypt('sk-secret');
    const b = cipher.encrypt('sk-secret');
    expect(a).not.toBe(b);
    expect(a.startsWith(`${ENCRYPTED_PREFIX}${keyIdOf(key)}:`)).toBe(true);
    expect(a).not.toContain('sk-secret');
    expect(cipher.decrypt(a)).toBe('sk-secret');
  });

  it('reads plain values from before SECRETS_KEY as they are', () => {
    expect(new SecretsCipher(key).decrypt('sk-plain')).toBe('sk-plain');
    expect(new SecretsCipher(undefined).encrypt('sk-plain')).toBe('sk-plain');
  });

  it('names SECRETS_KEY when the key is wrong or missing, and refuses a tampered value', () => {
    const sealed = new SecretsCipher(key).encrypt('sk-secret');
    expect(() => new SecretsCipher(other).decrypt(sealed)).toThrow(SecretsKeyError);
    expect(() => new SecretsCipher(other).decrypt(sealed)).toThrow(/encrypted with key .* but SECRETS_KEY is key/);
    expect(() => new SecretsCipher(undefined).decrypt(sealed)).toThrow(/SECRETS_KEY is not set/);
    const body = Buffer.from(sealed.split(':')[3]!, 'base64');
    body[body.length - 1]! ^= 1;
    const tampered = `${sealed.split(':').slice(0, 3).join(':')}:${body.toString('base64')}`;
    expect(() => new SecretsCipher(key).decrypt(tampered)).toThrow(/does not decrypt with SECRETS_KEY/);
  });

  it('rotation: reads with a previous key, writes with the current one', () => {
    const old = new SecretsCipher(other).encrypt('sk-old');
    const rotated = new SecretsCipher(key, [other]);
    expect(rotated.decrypt(old)).toBe('sk-old');
    expect(rotated.encrypt('sk-old').includes(keyIdOf(key))).toBe(true);
  });

  it('seals only secrets inside a component, and opens every encrypted string', () => {
    const cipher = new SecretsCipher(key);
    const component = {
      config: {
        model_client: { config: { model: 'gpt-4o', api_key: 'sk-1', max_tokens: 5 } },
        server_params: { command: 'node', args: ['x'], env: { GITHUB_TOKEN: 'ghp-1', MODE: 'fast' }, headers: { 'X-Api-Key': SECRET_MARKER } },
      },
    };
    const sealed = cipher.sealSecrets(component);
    const text = JSON.stringify(sealed);
    expect(text).not.toMatch(/sk-1|ghp-1/);
    expect(text).toContain('"MODE":"fast"');
    expect(sealed.config.server_params.headers['X-Api-Key']).toBe(SECRET_MARKER);
    expect(cipher.openSecrets(sealed)).toEqual(component);
  });
});

describe('SECRETS_KEY setting', () => {
  it('takes 32 bytes of base64 and names the setting otherwise', () => {
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(() => parseSecretsKey('too-short')).toThrow(/SECRETS_KEY: must be 32 random bytes in base64/);
    expect(() => loadConfig({ SECRETS_KEY: randomBytes(16).toString('base64') })).toThrow(/SECRETS_KEY: must be 32 random bytes/);
    expect(() => loadConfig({ SECRETS_KEY_PREVIOUS: key.toString('base64') })).toThrow(/SECRETS_KEY_PREVIOUS: only meaningful with SECRETS_KEY/);
    expect(loadConfig({ SECRETS_KEY: key.toString('base64') }).secrets.key).toEqual(key);
    expect(loadConfig({}).secrets.key).toBeUndefined();
  });
});
