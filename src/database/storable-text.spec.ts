import { describe, expect, it } from 'vitest';
import { storableText, storableTextOrNull } from './storable-text.js';

describe(storableText.name, () => {
  it('strips U+0000', () => {
    expect(storableText('model\u0000 error\u0000')).toBe('model error');
  });

  it('strips lone high and low surrogates, wherever they are', () => {
    expect(storableText('\uD800a\uDC00b\uDBFF')).toBe('ab');
    // A low surrogate before a high one is two lone halves, not a pair.
    expect(storableText('x\uDC00\uD800y')).toBe('xy');
  });

  it('keeps surrogate pairs, other control characters and ordinary text', () => {
    const text = 'emoji 😀 𝄞, tab\t, bell\u0007, é, 中文';
    expect(storableText(text)).toBe(text);
  });

  it('is idempotent and leaves well-formed text well-formed', () => {
    const once = storableText('\uD83D\u0000\uDE00 \uD83D');
    expect(storableText(once)).toBe(once);
    expect(Buffer.from(once, 'utf8').toString('utf8')).toBe(once);
  });

  it('passes null through for nullable columns', () => {
    expect(storableTextOrNull(null)).toBeNull();
    expect(storableTextOrNull('a\u0000')).toBe('a');
  });
});
