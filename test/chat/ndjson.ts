/** Reading a `POST /chat/completions` reply line by line, as it streams, with timeouts. */
import { expect } from 'vitest';

export interface ChatReply {
  status: number;
  contentType: string | null;
  /** Every line, parsed (a line that is not JSON fails the read). */
  lines: unknown[];
  /** The body when it is not NDJSON (an error envelope). */
  json?: unknown;
}

export function postChat(baseUrl: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(15_000),
  });
}

/** Sends one message and reads the whole reply. */
export async function chat(baseUrl: string, body: unknown): Promise<ChatReply> {
  const response = await postChat(baseUrl, body);
  const contentType = response.headers.get('content-type');
  const text = await response.text();
  if (!contentType?.startsWith('application/x-ndjson')) return { status: response.status, contentType, lines: [], json: JSON.parse(text) };
  expect(text.endsWith('\n')).toBe(true);
  const lines = text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  return { status: response.status, contentType, lines };
}

/** `function:execute_order(…)` / `string:Hello` — one token per line, for sequence checks. */
export function shapeOf(lines: unknown[]): string[] {
  return lines.map((line) => {
    const { content } = line as { content: { type: string; message: string } };
    return `${content.type}:${content.message}`;
  });
}

/** Polls `check` until it is true, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
