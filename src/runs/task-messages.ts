/**
 * Turns a `start` frame's task text and files into the task messages a team runs on
 * (protocol §1.4): text → TextMessage, an image → MultiModalMessage, `text/*` → TextMessage of
 * the decoded text, each file's name in `metadata.filename`.
 *
 * Files are judged by their bytes, not by the MIME type the client declares: an `image/*` must
 * be a PNG, JPEG, GIF or WebP by its signature (the data URL then carries the detected type),
 * and a `text/*` must be valid UTF-8 without NUL bytes. SVG, which the AGS front-end offers, is
 * skipped with a warning in the task (a `system` TextMessage, so the user and the model both see
 * it) rather than refused: an `error` frame would fail the whole run in the front-end.
 */
import { createMessage, type ChatMessage } from '../engine/index.js';
import { AppError } from '../common/errors.js';
import type { UploadedFile } from './ws-frames.js';

export interface TaskLimits {
  maxTaskChars: number;
  maxFileBytes: number;
}

const SVG = 'image/svg+xml';

/** The image types a model accepts, recognised by their first bytes. */
const SIGNATURES: { mime: string; matches: (b: Buffer) => boolean }[] = [
  { mime: 'image/png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/jpeg', matches: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/gif', matches: (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1')) },
  { mime: 'image/webp', matches: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The image type `bytes` start with, or undefined for anything else. */
export function detectImageType(bytes: Buffer): string | undefined {
  return SIGNATURES.find((s) => s.matches(bytes))?.mime;
}

export function buildTaskMessages(task: string | null | undefined, files: UploadedFile[] | null | undefined, limits: TaskLimits): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const warnings: ChatMessage[] = [];
  if (task && task.length > limits.maxTaskChars) {
    throw new AppError('bad_request', `The task has ${task.length} characters; the limit is ${limits.maxTaskChars}`);
  }
  if (task && task.trim().length > 0) messages.push(createMessage('TextMessage', 'user', { content: task }));
  for (const file of files ?? []) {
    const message = fileMessage(file, limits.maxFileBytes);
    (message.source === 'user' ? messages : warnings).push(message);
  }
  if (messages.length === 0) {
    const skipped = warnings.map((w) => `"${w.metadata.filename}"`).join(', ');
    throw new AppError('bad_request', `A start frame needs a non-empty task or at least one usable file${skipped ? ` (skipped: ${skipped})` : ''}`);
  }
  return [...messages, ...warnings];
}

/** The file as a user task message, or (for a skipped SVG) a `system` warning naming it. */
function fileMessage(file: UploadedFile, maxBytes: number): ChatMessage {
  const metadata = { filename: file.name };
  const mime = file.type.toLowerCase();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.content)) {
    throw new AppError('bad_request', `File "${file.name}" content is not base64`);
  }
  const size = Math.floor((file.content.length * 3) / 4) - (file.content.endsWith('==') ? 2 : file.content.endsWith('=') ? 1 : 0);
  if (size > maxBytes) throw new AppError('bad_request', `File "${file.name}" has ${size} bytes; the limit is ${maxBytes}`);
  if (mime === SVG) {
    const content = `File "${file.name}" was skipped: SVG images are not supported (send PNG, JPEG, GIF or WebP)`;
    return createMessage('TextMessage', 'system', { content }, { metadata });
  }
  const bytes = Buffer.from(file.content, 'base64');
  if (mime.startsWith('image/')) {
    const detected = detectImageType(bytes);
    if (!detected) throw new AppError('bad_request', `File "${file.name}" is not a PNG, JPEG, GIF or WebP image (declared ${file.type})`);
    return createMessage('MultiModalMessage', 'user', { content: [{ url: `data:${detected};base64,${file.content}` }] }, { metadata });
  }
  if (mime.startsWith('text/')) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AppError('bad_request', `File "${file.name}" is not valid UTF-8 text (declared ${file.type})`);
    }
    if (text.includes('\0')) throw new AppError('bad_request', `File "${file.name}" is not text: it contains NUL bytes (declared ${file.type})`);
    return createMessage('TextMessage', 'user', { content: text }, { metadata });
  }
  throw new AppError(
    'bad_request',
    `File "${file.name}" has unsupported type "${file.type}"; send image/png, image/jpeg, image/gif, image/webp or text/* files`,
  );
}
