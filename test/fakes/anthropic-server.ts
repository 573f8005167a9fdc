/**
 * A local HTTP server that speaks the Anthropic Messages API wire format, for tests.
 *
 * Each POST to a path ending in `/v1/messages` consumes the next scripted reply, in order:
 *
 *   const server = await startAnthropicServer([
 *     { type: 'text', text: 'Hello there', delayMs: 5 },
 *     { type: 'tool_use', calls: [{ name: 'add', input: { a: 1, b: 2 } }, { name: 'sub', input: { a: 3, b: 1 } }] },
 *     { type: 'error', status: 401, message: 'invalid x-api-key', errorType: 'authentication_error' },
 *     { type: 'stream_error', text: 'partial', message: 'Overloaded' },
 *   ]);
 *   // point a client at server.url (the SDK adds /v1/messages); read server.requests[i] afterwards
 *
 * Streaming (`stream: true`) answers as SSE with Anthropic's named events (message_start,
 * content_block_start / _delta / _stop, message_delta, message_stop, ping); otherwise a
 * plain JSON Message. When the script runs out, the server answers 500 with an Anthropic error body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { held, pause, readBody } from './fake-http.js';

export interface AnthropicFakeUsage {
  input_tokens: number;
  output_tokens: number;
}

/** A text answer, streamed in `chunks` (default: whole words). */
export interface AnthropicTextReply {
  type: 'text';
  text: string;
  chunks?: string[];
  /** Pause before each streamed delta (or before the whole answer), in ms; ends early if the client leaves. */
  delayMs?: number;
  /** The answer waits until this settles or the client leaves (streamed: after message_start). */
  hold?: Promise<unknown>;
  usage?: AnthropicFakeUsage;
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence';
  /** Sent first as a `thinking` block (extended thinking). */
  thinking?: string;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

/** One or several tool_use blocks (parallel calls); streamed, each input arrives as `input_json_delta` pieces. */
export interface AnthropicToolUseReply {
  type: 'tool_use';
  calls: { id?: string; name: string; input: Record<string, unknown> }[];
  /** Text the model says before the calls. */
  text?: string;
  delayMs?: number;
  usage?: AnthropicFakeUsage;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

/** An HTTP error with Anthropic's body `{type: "error", error: {type, message}}`. */
export interface AnthropicErrorReply {
  type: 'error';
  status: number;
  message: string;
  errorType?: string;
}

/** A streamed answer that starts (sending `text`) and then sends an SSE `error` event, as the API does when overloaded mid-stream. */
export interface AnthropicStreamErrorReply {
  type: 'stream_error';
  text?: string;
  message: string;
}

export type AnthropicScriptedReply = AnthropicTextReply | AnthropicToolUseReply | AnthropicErrorReply | AnthropicStreamErrorReply;

export interface AnthropicRecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Settles once the response is over: `completed`, or `closed-early` when the client left first. */
  outcome: Promise<'completed' | 'closed-early'>;
}

export interface AnthropicServer {
  /** `http://127.0.0.1:<port>`: the base URL an Anthropic client wants. */
  url: string;
  requests: AnthropicRecordedRequest[];
  /** Resolves with request `index` once the server has read it; rejects after `timeoutMs`. */
  waitForRequest(index?: number, timeoutMs?: number): Promise<AnthropicRecordedRequest>;
  push(...replies: AnthropicScriptedReply[]): void;
  readonly remaining: number;
  close(): Promise<void>;
}

const DEFAULT_USAGE: AnthropicFakeUsage = { input_tokens: 12, output_tokens: 6 };

export async function startAnthropicServer(script: AnthropicScriptedReply[] = [], options: { port?: number } = {}): Promise<AnthropicServer> {
  const queue = [...script];
  const requests: AnthropicRecordedRequest[] = [];
  const waiters: { index: number; resolve: (r: AnthropicRecordedRequest) => void }[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, { type: 'error', status: 500, message: `fake server: ${String(error)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || !path.endsWith('/v1/messages')) {
      sendError(res, { type: 'error', status: 404, message: `fake server: no route ${req.method} ${req.url}`, errorType: 'not_found_error' });
      return;
    }
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const outcome = new Promise<'completed' | 'closed-early'>((resolve) =>
      res.once('close', () => resolve(res.writableFinished ? 'completed' : 'closed-early')),
    );
    const recorded: AnthropicRecordedRequest = { method: req.method, url: req.url ?? '', headers: req.headers, body, outcome };
    requests.push(recorded);
    for (const w of waiters.filter((x) => x.index === requests.length - 1)) w.resolve(recorded);

    const reply = queue.shift() ?? { type: 'error', status: 500, message: 'fake server: no scripted reply left', errorType: 'api_error' };
    if (reply.type === 'error') return sendError(res, reply);
    const id = `msg_fake_${++counter}`;
    const asked = typeof body.model === 'string' ? body.model : 'claude-fake';
    const model = 'model' in reply && reply.model ? reply.model : asked;
    if (body.stream === true) await streamReply(res, reply, id, model);
    else {
      if (reply.type === 'stream_error') return sendError(res, { type: 'error', status: 529, message: reply.message, errorType: 'overloaded_error' });
      if (reply.type === 'text' && reply.hold) await held(res, reply.hold);
      if (reply.delayMs) await pause(res, reply.delayMs);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
      res.end(JSON.stringify(message(reply, id, model)));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    waitForRequest: (index = 0, timeoutMs = 10_000) => {
      const seen = requests[index];
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          index,
          resolve: (r: AnthropicRecordedRequest) => {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`fake Anthropic server: request ${index} not received within ${timeoutMs} ms (got ${requests.length})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    push: (...replies) => void queue.push(...replies),
    get remaining() {
      return queue.length;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function toolId(call: { id?: string }, i: number): string {
  return call.id ?? `toolu_fake_${i + 1}`;
}

function message(reply: AnthropicTextReply | AnthropicToolUseReply, id: string, model: string): Record<string, unknown> {
  const content =
    reply.type === 'text'
      ? [...(reply.thinking ? [{ type: 'thinking', thinking: reply.thinking, signature: 'sig' }] : []), { type: 'text', text: reply.text }]
      : [
          ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
          ...reply.calls.map((c, i) => ({ type: 'tool_use', id: toolId(c, i), name: c.name, input: c.input })),
        ];
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.type === 'text' ? (reply.stopReason ?? 'end_turn') : 'tool_use',
    stop_sequence: null,
    usage: reply.usage ?? DEFAULT_USAGE,
  };
}

async function streamReply(
  res: ServerResponse,
  reply: AnthropicTextReply | AnthropicToolUseReply | AnthropicStreamErrorReply,
  id: string,
  model: string,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': `req_${id}` });
  const send = async (event: string, data: Record<string, unknown>, delayMs = 0): Promise<boolean> => {
    if (delayMs > 0) await pause(res, delayMs);
    if (res.destroyed) return false;
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    return true;
  };
  const usage = reply.type === 'stream_error' ? DEFAULT_USAGE : (reply.usage ?? DEFAULT_USAGE);
  const start = {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
    },
  };
  if (!(await send('message_start', start))) return;
  if (!(await send('ping', {}))) return;
  let index = 0;
  const textBlock = async (text: string, pieces: string[], delayMs?: number): Promise<boolean> => {
    if (!(await send('content_block_start', { index, content_block: { type: 'text', text: '' } }))) return false;
    for (const piece of pieces)
      if (!(await send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, delayMs))) return false;
    if (!(await send('content_block_stop', { index }))) return false;
    index++;
    return true;
  };
  if (reply.type === 'stream_error') {
    if (reply.text) {
      if (!(await send('content_block_start', { index, content_block: { type: 'text', text: '' } }))) return;
      if (!(await send('content_block_delta', { index, delta: { type: 'text_delta', text: reply.text } }))) return;
    }
    if (!(await send('error', { error: { type: 'overloaded_error', message: reply.message } }))) return;
    res.end();
    return;
  }
  let stopReason: string;
  if (reply.type === 'text') {
    if (reply.hold) await held(res, reply.hold);
    if (reply.thinking) {
      if (!(await send('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }))) return;
      if (!(await send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: reply.thinking } }))) return;
      if (!(await send('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig' } }))) return;
      if (!(await send('content_block_stop', { index }))) return;
      index++;
    }
    if (!(await textBlock(reply.text, reply.chunks ?? words(reply.text), reply.delayMs))) return;
    stopReason = reply.stopReason ?? 'end_turn';
  } else {
    if (reply.text && !(await textBlock(reply.text, words(reply.text), reply.delayMs))) return;
    for (const [i, call] of reply.calls.entries()) {
      const json = JSON.stringify(call.input);
      if (
        !(await send(
          'content_block_start',
          { index, content_block: { type: 'tool_use', id: toolId(call, i), name: call.name, input: {} } },
          reply.delayMs,
        ))
      )
        return;
      // Anthropic sends an empty partial first, then the JSON in pieces.
      for (const piece of ['', ...thirds(json)])
        if (!(await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }))) return;
      if (!(await send('content_block_stop', { index }))) return;
      index++;
    }
    stopReason = 'tool_use';
  }
  if (!(await send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } })))
    return;
  if (!(await send('message_stop', {}))) return;
  res.end();
}

function sendError(res: ServerResponse, reply: AnthropicErrorReply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type: reply.errorType ?? 'api_error', message: reply.message } }));
}

function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function thirds(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
