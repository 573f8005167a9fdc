/**
 * The one way the web tools make a request: through the run's egress fetch (ToolContext.fetch,
 * the policy's pinned fetch), with a wall-clock limit and a cap on the body read.
 */
import type { ToolContext } from '../tool.js';

export interface GetOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
}

export interface TextResponse {
  status: number;
  ok: boolean;
  text: string;
  /** The body was longer than maxBytes and was cut there. */
  truncated: boolean;
}

/** The egress fetch of a tool call; a web tool called outside a config (no egress) refuses. */
export function egressFetch(context: ToolContext): typeof globalThis.fetch {
  if (!context.fetch) throw new Error('this tool reaches the network only through the egress policy, and none was given');
  return context.fetch;
}

/** GET `url`, reading at most `maxBytes` of the body, within `timeoutMs` and the run's signal. */
export async function getText(context: ToolContext, url: string, options: GetOptions): Promise<TextResponse> {
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(options.timeoutMs)]);
  const response = await egressFetch(context)(url, {
    method: 'GET',
    redirect: 'follow',
    signal,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const { bytes, truncated } = await readCapped(response, options.maxBytes);
  return { status: response.status, ok: response.ok, text: decode(bytes, response.headers.get('content-type')), truncated };
}

async function readCapped(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.min(chunk.byteLength, bytes.byteLength - offset));
    bytes.set(part, offset);
    offset += part.byteLength;
    if (offset >= bytes.byteLength) break;
  }
  return { bytes, truncated };
}

function decode(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Cuts `text` at `limit` characters, saying so. */
export function capText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n...(output truncated to ${limit} characters)`;
}
