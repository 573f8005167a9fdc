/**
 * Turns a `start` frame's task text and files into the task messages a team runs on
 * (protocol §1.4): text → TextMessage, `image/*` → MultiModalMessage, `text/*` → TextMessage of
 * the decoded text, each file's name in `metadata.filename`.
 */
import { createMessage, type ChatMessage } from '../engine/index.js';
import { RunRequestError } from './run-errors.js';
import type { UploadedFile } from './ws-frames.js';

export function buildTaskMessages(task: string | null | undefined, files: UploadedFile[] | null | undefined): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (task && task.trim().length > 0) messages.push(createMessage('TextMessage', 'user', { content: task }));
  for (const file of files ?? []) messages.push(fileMessage(file));
  if (messages.length === 0) throw new RunRequestError('bad_request', 'A start frame needs a non-empty task or at least one file');
  return messages;
}

function fileMessage(file: UploadedFile): ChatMessage {
  const metadata = { filename: file.name };
  const mime = file.type.toLowerCase();
  if (mime.startsWith('image/')) {
    return createMessage('MultiModalMessage', 'user', { content: [{ url: `data:${mime};base64,${file.content}` }] }, { metadata });
  }
  if (mime.startsWith('text/')) {
    return createMessage('TextMessage', 'user', { content: Buffer.from(file.content, 'base64').toString('utf8') }, { metadata });
  }
  throw new RunRequestError('bad_request', `File "${file.name}" has unsupported type "${file.type}"; send image/* or text/* files`);
}
