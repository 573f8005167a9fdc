import { describe, expect, it } from 'vitest';
import { redactValues, requestCredentials, scrubSecrets } from './secret-text.js';
import { sanitizedErrorBody, upstreamMessage } from './upstream-errors.js';

describe(requestCredentials.name, () => {
  it('takes credential headers (with and without their scheme word), credential query parameters and the URL password', () => {
    const url = new URL('https://u:pass-word-1@api.example/v1?key=gemini-key-123&model=x&api-version=2024');
    const found = requestCredentials(url, {
      authorization: 'Bearer plain-key-abc',
      'x-api-key': 'anthropic-key-xyz',
      'content-type': 'application/json',
      'x-custom-token': 'mcp-token-777',
    });
    expect(found).toEqual(expect.arrayContaining(['plain-key-abc', 'anthropic-key-xyz', 'mcp-token-777', 'gemini-key-123', 'pass-word-1']));
    expect(found).not.toContain('application/json');
    expect(found).not.toContain('x');
  });

  it('ignores values too short to mask safely', () => {
    expect(requestCredentials(new URL('http://h/?key=abc'), { authorization: 'Bearer x' })).toEqual([]);
  });
});

describe(redactValues.name, () => {
  it('replaces every occurrence, longest value first', () => {
    expect(redactValues('key abcdef123 and abcdef123456 again abcdef123', ['abcdef123', 'abcdef123456'])).toBe(
      'key [REDACTED] and [REDACTED] again [REDACTED]',
    );
  });
});

describe(scrubSecrets.name, () => {
  it('masks bearer values, token= query values and sk- keys', () => {
    expect(scrubSecrets('Bearer a.b.c ?token=xyz sk-canary-ABCDEF123456')).toBe('Bearer [REDACTED] ?token=[REDACTED] [REDACTED]');
    expect(scrubSecrets('bearer abcdefghijklmnopqrstuvwxyz')).toBe('bearer [REDACTED]');
  });

  it('leaves prose after "bearer" alone', () => {
    expect(scrubSecrets('Missing bearer token')).toBe('Missing bearer token');
  });
});

describe('upstream error messages', () => {
  it('an error body echoing the credential sent (or an sk- key) has it masked before the message is cut', () => {
    const key = 'plain-key-' + 'x'.repeat(400);
    const raw = JSON.stringify({ error: { message: `Incorrect API key provided: ${key}; also sk-other-ABCDEFGH` } });
    expect(sanitizedErrorBody(raw, [key])).toBe(JSON.stringify({ error: { message: 'Incorrect API key provided: [REDACTED]; also [REDACTED]' } }));
    expect(upstreamMessage({ error: { message: 'bad key sk-canary-ABCDEF123456' } })).toBe('bad key [REDACTED]');
  });
});
