/**
 * A local HTTP server that speaks the OpenAI Chat Completions wire format, for tests.
 *
 * Each POST to a path ending in `/chat/completions` consumes the next scripted reply, in order:
 *
 *   const server = await startChatCompletionsServer([
 *     { type: 'text', text: 'Hello there', chunkSize: 3, delayMs: 5 },
 *     { type: 'tool_calls', calls: [{ name: 'add', arguments: '{"a":1,"b":2}' }] },
 *     { type: 'error', status: 429, message: 'Slow down', retryAfterMs: 10 },
 *     { type: 'drop', text: 'partial answer' },
 *   ]);
 *   // point a client at server.baseUrl (…/v1); read server.requests[i].body afterwards, or
 *   // await server.waitForRequest(i) to act the moment the server has read request i
 *
 * Streaming (`stream: true`) answers as SSE like OpenAI does; otherwise a plain JSON completion.
 * When the script runs out, the server answers 500 with an OpenAI-style error body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { held, pause, readBody } from './fake-http.js';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** A text answer. Streamed in `chunks` (or slices of `chunkSize` characters, default whole words). */
export interface TextReply {
  type: 'text';
  text: string;
  chunks?: string[];
  chunkSize?: number;
  /**
   * Pause before each streamed chunk (or before the whole non-streamed answer), in milliseconds.
   * A pause ends early when the client goes away, so a long one costs nothing once aborted.
   */
  delayMs?: number;
  /**
   * The answer (streamed: its content, after the headers; otherwise the whole completion) waits
   * until this settles or the client leaves, so a test decides when the model is done working.
   */
  hold?: Promise<unknown>;
  /** Streamed only: how many content chunks go out before the hold (default 0, the hold comes first). */
  holdAfter?: number;
  usage?: FakeUsage;
  finishReason?: 'stop' | 'length' | 'content_filter';
  /** Sent as `reasoning_content` (the field some OpenAI-compatible servers use for thoughts). */
  reasoning?: string;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

/** One or several tool calls; when streamed, each call's `arguments` arrives in `argumentPieces` pieces. */
export interface ToolCallsReply {
  type: 'tool_calls';
  calls: { id?: string; name: string; arguments: string }[];
  argumentPieces?: number;
  /** Optional text the model says alongside the calls. */
  content?: string;
  delayMs?: number;
  usage?: FakeUsage;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

/** An HTTP error with an OpenAI-style body `{error: {message, type, code}}`. */
export interface ErrorReply {
  type: 'error';
  status: number;
  message: string;
  errorType?: string;
  code?: string;
  /** Sent as `retry-after-ms`, which the openai SDK honours (keeps retry tests fast). */
  retryAfterMs?: number;
  /**
   * Echo the API key the request sent (its `Authorization: Bearer` value) where `message` says
   * `{api_key}`, as OpenAI's 401 does (`Incorrect API key provided: sk-…`).
   */
  echoApiKey?: boolean;
}

/** Starts a streamed answer (sending `text`, if any, as chunks) and then destroys the socket. */
export interface DropReply {
  type: 'drop';
  text?: string;
}

export type ScriptedReply = TextReply | ToolCallsReply | ErrorReply | DropReply;

/** How a request ended: answered in full, closed by the client before the end, or dropped by the script. */
export type RequestOutcome = 'completed' | 'closed-early' | 'dropped';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions` or `/openai/deployments/d/chat/completions?api-version=…`. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Settles once the response is over; tests await it to assert that an abort closed the request. */
  outcome: Promise<RequestOutcome>;
}

export interface ChatCompletionsServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/v1`, the base URL an OpenAI client wants. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Resolves with request `index` (0-based) once the server has read it; rejects after `timeoutMs`. */
  waitForRequest(index?: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Appends replies to the script. */
  push(...replies: ScriptedReply[]): void;
  /** Scripted replies not consumed yet. */
  readonly remaining: number;
  close(): Promise<void>;
}

const DEFAULT_USAGE: FakeUsage = { prompt_tokens: 10, completion_tokens: 5 };

/** Starts the fake on 127.0.0.1 (a random port unless `options.port` is given). */
export async function startChatCompletionsServer(
  script: ScriptedReply[] = [],
  options: { port?: number; model?: string } = {},
): Promise<ChatCompletionsServer> {
  const queue = [...script];
  const requests: RecordedRequest[] = [];
  const requestWaiters: { index: number; resolve: (request: RecordedRequest) => void }[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, { type: 'error', status: 500, message: `fake server: ${String(error)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      sendError(res, { type: 'error', status: 404, message: `fake server: no route ${req.method} ${req.url}` });
      return;
    }
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const tracker = trackOutcome(res);
    const recorded: RecordedRequest = { method: req.method, url: req.url ?? '', headers: req.headers, body, outcome: tracker.outcome };
    requests.push(recorded);
    for (const waiter of requestWaiters.filter((w) => w.index === requests.length - 1)) waiter.resolve(recorded);

    const reply = queue.shift() ?? { type: 'error', status: 500, message: 'fake server: no scripted reply left' };
    const id = `chatcmpl-fake-${++counter}`;
    const asked = typeof body.model === 'string' ? body.model : (options.model ?? 'fake-model');
    const model = 'model' in reply && reply.model ? reply.model : asked;
    if (reply.type === 'error') {
      const key = /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      sendError(res, reply.echoApiKey ? { ...reply, message: reply.message.replaceAll('{api_key}', key) } : reply);
      return;
    }
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (body.stream === true) {
      await streamReply(res, reply, { id, model, includeUsage: streamOptions?.include_usage === true }, tracker.markDropped);
    } else if (reply.type === 'drop') {
      tracker.markDropped();
      res.socket?.destroy();
    } else {
      // A non-streamed answer waits its delay once, so tests can abort before it arrives.
      if (reply.type === 'text' && reply.hold) await held(res, reply.hold);
      if (reply.delayMs) await pause(res, reply.delayMs);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(reply, id, model)));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    waitForRequest: (index = 0, timeoutMs = 10_000) => {
      const seen = requests[index];
      if (seen) return Promise.resolve(seen);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const waiter = {
          index,
          resolve: (request: RecordedRequest) => {
            clearTimeout(timer);
            requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
            resolve(request);
          },
        };
        const timer = setTimeout(() => {
          requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
          reject(new Error(`fake server: request ${index} not received within ${timeoutMs} ms (got ${requests.length})`));
        }, timeoutMs);
        requestWaiters.push(waiter);
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

function trackOutcome(res: ServerResponse): { outcome: Promise<RequestOutcome>; markDropped: () => void } {
  let dropped = false;
  const outcome = new Promise<RequestOutcome>((resolve) => {
    // 'close' fires for every response; writableFinished tells a full answer from a cut one.
    res.once('close', () => resolve(dropped ? 'dropped' : res.writableFinished ? 'completed' : 'closed-early'));
  });
  return { outcome, markDropped: () => void (dropped = true) };
}

async function streamReply(
  res: ServerResponse,
  reply: TextReply | ToolCallsReply | DropReply,
  meta: { id: string; model: string; includeUsage: boolean },
  markDropped: () => void,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: meta.model,
    choices,
    ...extra,
  });
  const send = async (data: unknown, delayMs = 0): Promise<boolean> => {
    if (delayMs > 0) await pause(res, delayMs);
    if (res.destroyed) return false; // the client went away; stop writing
    res.write(`data: ${JSON.stringify(data)}\n\n`);
    return true;
  };
  /** Like `send`, but resolves once the bytes are handed to the operating system. */
  const sendFlushed = (data: unknown): Promise<boolean> =>
    new Promise((resolve) => {
      if (res.destroyed) return resolve(false);
      res.write(`data: ${JSON.stringify(data)}\n\n`, (error) => resolve(!error));
    });
  const delta = (d: Record<string, unknown>, finish: string | null = null) => chunk([{ index: 0, delta: d, finish_reason: finish }]);

  if (reply.type === 'drop') {
    // Every write is flushed to the socket before the next, so the headers and chunks reach the
    // client and this is a drop mid-stream, not a refused request (destroying at once would
    // discard the writes still buffered).
    for (const data of [delta({ role: 'assistant', content: '' }), ...splitText(reply.text ?? '').map((piece) => delta({ content: piece }))]) {
      if (!(await sendFlushed(data))) return;
    }
    markDropped();
    res.socket?.destroy();
    return;
  }
  if (!(await send(delta({ role: 'assistant', content: '' })))) return;
  if (reply.type === 'text') {
    const holdAfter = reply.holdAfter ?? 0;
    if (reply.hold && holdAfter === 0) await held(res, reply.hold);
    if (reply.reasoning && !(await send(delta({ reasoning_content: reply.reasoning }), reply.delayMs))) return;
    const pieces = reply.chunks ?? splitText(reply.text, reply.chunkSize);
    for (const [i, piece] of pieces.entries()) {
      if (reply.hold && holdAfter > 0 && i === holdAfter) await held(res, reply.hold);
      if (!(await send(delta({ content: piece }), reply.delayMs))) return;
    }
    if (!(await send(delta({}, reply.finishReason ?? 'stop')))) return;
  } else {
    if (reply.content && !(await send(delta({ content: reply.content }), reply.delayMs))) return;
    for (const [index, call] of reply.calls.entries()) {
      const pieces = splitEvenly(call.arguments, reply.argumentPieces ?? 3);
      const head = { index, id: call.id ?? `call_${index + 1}`, type: 'function', function: { name: call.name, arguments: '' } };
      if (!(await send(delta({ tool_calls: [head] }), reply.delayMs))) return;
      for (const piece of pieces) {
        if (!(await send(delta({ tool_calls: [{ index, function: { arguments: piece } }] }), reply.delayMs))) return;
      }
    }
    if (!(await send(delta({}, 'tool_calls')))) return;
  }
  if (meta.includeUsage && !(await send(chunk([], { usage: usageOf(reply.usage) })))) return;
  res.end('data: [DONE]\n\n');
}

function completion(reply: TextReply | ToolCallsReply, id: string, model: string): Record<string, unknown> {
  const message =
    reply.type === 'text'
      ? { role: 'assistant', content: reply.text, refusal: null, ...(reply.reasoning ? { reasoning_content: reply.reasoning } : {}) }
      : {
          role: 'assistant',
          content: reply.content ?? null,
          refusal: null,
          tool_calls: reply.calls.map((call, i) => ({
            id: call.id ?? `call_${i + 1}`,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        };
  const finish = reply.type === 'text' ? (reply.finishReason ?? 'stop') : 'tool_calls';
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: usageOf(reply.usage),
  };
}

function usageOf(usage: FakeUsage | undefined): Record<string, number> {
  const u = usage ?? DEFAULT_USAGE;
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens };
}

function sendError(res: ServerResponse, reply: ErrorReply): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify({ error: { message: reply.message, type: reply.errorType ?? 'server_error', param: null, code: reply.code ?? null } }));
}

/** Whole words with their trailing space ("a b" → "a ", "b"), or fixed-size slices. */
function splitText(text: string, size?: number): string[] {
  if (size !== undefined) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function splitEvenly(text: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, pieces)));
  return splitText(text, size);
}
