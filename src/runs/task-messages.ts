/**
 * Turns a `start` frame's task text and files into the task messages a team runs on
 * (protocol §1.4): text → TextMessage, a PNG/JPEG/GIF/WebP image → MultiModalMessage, `text/*` → TextMessage of
 * the decoded text, each file's name in `metadata.filename`.
 */
import { createMessage, type ChatMessage } from '../engine/index.js';
import { AppError } from '../common/errors.js';
import type { UploadedFile } from './ws-frames.js';

export interface TaskLimits {
  maxTaskChars: number;
  maxFileBytes: number;
}

export function buildTaskMessages(
  task: string | null | undefined,
  files: UploadedFile[] | null | undefined,
  limits: TaskLimits,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (task && task.length > limits.maxTaskChars) {
    throw new AppError('bad_request', `The task has ${task.length} characters; the limit is ${limits.maxTaskChars}`);
  }
  if (task && task.trim().length > 0) messages.push(createMessage('TextMessage', 'user', { content: task }));
  for (const file of files ?? []) messages.push(fileMessage(file, limits.maxFileBytes));
  if (messages.length === 0) throw new AppError('bad_request', 'A start frame needs a non-empty task or at least one file');
  return messages;
}

function fileMessage(file: UploadedFile, maxBytes: number): ChatMessage {
  const metadata = { filename: file.name };
  const mime = file.type.toLowerCase();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.content)) {
    throw new AppError('bad_request', `File "${file.name}" content is not base64`);
  }
  const bytes = Math.floor((file.content.length * 3) / 4) - (file.content.endsWith('==') ? 2 : file.content.endsWith('=') ? 1 : 0);
  if (bytes > maxBytes) throw new AppError('bad_request', `File "${file.name}" has ${bytes} bytes; the limit is ${maxBytes}`);
  if (/^image\/(png|jpeg|gif|webp)$/.test(mime)) {
    return createMessage('MultiModalMessage', 'user', { content: [{ url: `data:${mime};base64,${file.content}` }] }, { metadata });
  }
  if (mime.startsWith('text/')) {
    return createMessage('TextMessage', 'user', { content: Buffer.from(file.content, 'base64').toString('utf8') }, { metadata });
  }
  throw new AppError('bad_request', `File "${file.name}" has unsupported type "${file.type}"; send image/png, image/jpeg, image/gif, image/webp or text/* files`);
}
