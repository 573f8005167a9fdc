import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JwtError, signHs256Jwt, verifyHs256Jwt } from './jwt.js';

const SECRET = 'unit-test-secret';
const NOW = 1_800_000_000;
const valid = { sub: 'alice', email: 'alice@example.com', name: 'Alice', roles: ['admin'], exp: NOW + 60 };

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function refusal(token: string, nowS = NOW): string {
  try {
    verifyHs256Jwt(token, SECRET, { nowS });
  } catch (err) {
    expect(err).toBeInstanceOf(JwtError);
    return (err as Error).message;
  }
  throw new Error('expected the token to be refused');
}

describe(verifyHs256Jwt.name, () => {
  it('returns the claims of a well-signed HS256 token', () => {
    expect(verifyHs256Jwt(signHs256Jwt(valid, SECRET), SECRET, { nowS: NOW })).toMatchObject(valid);
  });

  it('defaults roles to an empty list and accepts email without sub', () => {
    const claims = verifyHs256Jwt(signHs256Jwt({ email: 'bob@example.com', exp: NOW + 60 }, SECRET), SECRET, { nowS: NOW });
    expect(claims).toMatchObject({ email: 'bob@example.com', roles: [] });
  });

  it('refuses a token signed with another secret', () => {
    expect(refusal(signHs256Jwt(valid, 'other-secret'))).toBe('Invalid token signature');
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [h, , s] = signHs256Jwt(valid, SECRET).split('.');
    expect(refusal(`${h}.${b64({ ...valid, sub: 'mallory' })}.${s}`)).toBe('Invalid token signature');
  });

  it('refuses alg none, with or without a signature', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid)}.`;
    expect(refusal(unsigned)).toBe('Unsupported token algorithm: none');
    expect(refusal(signHs256Jwt(valid, SECRET, { alg: 'none' }))).toBe('Unsupported token algorithm: none');
  });

  it('refuses every algorithm but HS256, even when the HMAC is right', () => {
    for (const alg of ['HS384', 'HS512', 'RS256', 'hs256']) {
      expect(refusal(signHs256Jwt(valid, SECRET, { alg, typ: 'JWT' }))).toBe(`Unsupported token algorithm: ${alg}`);
    }
  });

  it('refuses an expired token, allowing the clock skew', () => {
    const token = signHs256Jwt({ ...valid, exp: NOW - 10 }, SECRET);
    expect(verifyHs256Jwt(token, SECRET, { nowS: NOW, clockSkewS: 30 }).sub).toBe('alice');
    expect(refusal(token, NOW + 21)).toBe('Token expired');
  });

  it('refuses a token used before nbf, allowing the clock skew', () => {
    const token = signHs256Jwt({ ...valid, nbf: NOW + 20 }, SECRET);
    expect(verifyHs256Jwt(token, SECRET, { nowS: NOW }).sub).toBe('alice');
    expect(refusal(token, NOW - 11)).toBe('Token not yet valid');
  });

  it('requires exp, an identity and well-typed claims', () => {
    expect(refusal(signHs256Jwt({ sub: 'alice' }, SECRET))).toMatch(/^Invalid token claims/);
    expect(refusal(signHs256Jwt({ name: 'nobody', exp: NOW + 60 }, SECRET))).toBe('Token has neither sub nor email');
    expect(refusal(signHs256Jwt({ ...valid, roles: 'admin' }, SECRET))).toMatch(/^Invalid token claims/);
    expect(refusal(signHs256Jwt({ ...valid, sub: 42 }, SECRET))).toMatch(/^Invalid token claims/);
  });

  it('refuses a sub or email with a NUL (it would become a stored user id)', () => {
    expect(refusal(signHs256Jwt({ ...valid, sub: 'ali\u0000ce' }, SECRET))).toMatch(/^Invalid token claims/);
    expect(refusal(signHs256Jwt({ email: 'a\u0000@example.com', exp: NOW + 60 }, SECRET))).toMatch(/^Invalid token claims/);
  });

  it('refuses malformed tokens without throwing anything but JwtError', () => {
    for (const token of [
      '',
      'null',
      'a.b',
      'a.b.c.d',
      '!!!.e30.x',
      `${b64([1])}.${b64(valid)}.x`,
      'e30.%%%.x',
      `${Buffer.from('{').toString('base64url')}.e30.x`,
    ]) {
      expect(refusal(token)).toMatch(/^(Malformed token|Invalid token signature)/);
    }
  });

  it('refuses a signature whose base64url text differs from the canonical one', () => {
    const token = signHs256Jwt(valid, SECRET);
    // 32 bytes encode to 43 chars; the last char carries 2 unused bits, so 'A'..'D' style swaps decode alike.
    const last = token.at(-1)!;
    const sibling = String.fromCharCode(last.charCodeAt(0) ^ 1);
    const tampered = token.slice(0, -1) + sibling;
    expect(() => verifyHs256Jwt(tampered, SECRET, { nowS: NOW })).toThrow(JwtError);
  });

  it('matches an independently computed HMAC-SHA256', () => {
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(valid)}`;
    const sig = createHmac('sha256', SECRET).update(head).digest('base64url');
    expect(verifyHs256Jwt(`${head}.${sig}`, SECRET, { nowS: NOW }).email).toBe('alice@example.com');
  });
});
