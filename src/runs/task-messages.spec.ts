import { describe, expect, it } from 'vitest';
import { buildTaskMessages, detectImageType } from './task-messages.js';

const limits = { maxTaskChars: 1000, maxFileBytes: 1000 };
const file = (name: string, type: string, bytes: Buffer | string) => ({ name, type, content: Buffer.from(bytes).toString('base64') });

describe(detectImageType.name, () => {
  it('recognises PNG, JPEG, GIF and WebP by their signatures, and nothing else', () => {
    expect(detectImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(detectImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(detectImageType(Buffer.from('GIF89a....'))).toBe('image/gif');
    expect(detectImageType(Buffer.from('GIF87a'))).toBe('image/gif');
    expect(detectImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    for (const other of ['RIFF\0\0\0\0WAVEfmt ', '<svg/>', '', '\x89PNG']) expect(detectImageType(Buffer.from(other, 'latin1'))).toBeUndefined();
  });
});

describe(buildTaskMessages.name, () => {
  it('sends an image with its detected type, whatever was declared', () => {
    const [, image] = buildTaskMessages('Look', [file('x.gif', 'image/png', 'GIF89a')], limits);
    expect(image).toMatchObject({
      type: 'MultiModalMessage',
      content: [{ url: `data:image/gif;base64,${Buffer.from('GIF89a').toString('base64')}` }],
    });
  });

  it('skips SVG with a system warning after the user messages', () => {
    const messages = buildTaskMessages(null, [file('a.svg', 'image/svg+xml', '<svg/>'), file('n.txt', 'text/plain', 'notes')], limits);
    expect(messages.map((m) => [m.type, m.source])).toEqual([
      ['TextMessage', 'user'],
      ['TextMessage', 'system'],
    ]);
  });

  it('accepts UTF-8 text with a BOM and refuses what is not UTF-8', () => {
    expect(buildTaskMessages(null, [file('u.txt', 'text/markdown', Buffer.from('\uFEFFcafé'))], limits)[0]).toMatchObject({ content: 'café' });
    expect(() => buildTaskMessages(null, [file('l.txt', 'text/plain', Buffer.from([0xc3, 0x28]))], limits)).toThrow(
      'File "l.txt" is not valid UTF-8 text (declared text/plain)',
    );
  });
});
