/**
 * A WHATWG `fetch` built on node:http / node:https that connects to an address checked
 * beforehand. Node 20's global fetch (undici) takes no per-call `lookup`, so a check followed
 * by a plain fetch would resolve the name twice, and a rebinding DNS server could answer a
 * public address to the check and 127.0.0.1 to the connection. Here the socket is opened to
 * the checked IP itself; the Host header and TLS SNI / certificate check keep the original name.
 */
// The module objects, not named imports: `http.request` is read at call time, so it is the function
// the OpenTelemetry HTTP instrumentation put there (it patches the CommonJS exports object, which
// a named ESM import of a built-in copied before, and so never reaches): model, MCP and tool
// requests then get their HTTP CLIENT span, and the `traceparent` header, under `chat` (third
// parties' requests stay untraced: isThirdPartyEgressRequest).
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { finished, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { EngineError } from '../errors.js';
import type { CheckedDestination } from './policy.js';
import { requestCredentials } from './secret-text.js';
import { sanitizedErrorBody } from './upstream-errors.js';

/** How much of an error answer's body is read to find its message (the rest is dropped). */
const ERROR_BODY_LIMIT = 64 * 1024;
/** The agents of every pinned fetch: what {@link isThirdPartyEgressRequest} recognises. */
const EGRESS_AGENTS = new WeakSet<object>();

/**
 * Whether an outgoing request (node:http's options) is an egress request without trace context:
 * one sent by a pinned fetch (its agent) that carries no `traceparent`. Model clients add
 * `traceparent` (src/engine/telemetry/propagation.ts); an HttpTool's, an MCP server's or any other
 * third party's request has none and must not get one from the HTTP instrumentation either, so
 * src/observability/tracing.ts leaves these requests untraced (no CLIENT span, no header added).
 */
export function isThirdPartyEgressRequest(options: { agent?: unknown; headers?: unknown }): boolean {
  if (typeof options.agent !== 'object' || options.agent === null || !EGRESS_AGENTS.has(options.agent)) return false;
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  return !Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent');
}

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Default of {@link ResponseLimits.maxBytes}: 32 MiB (EGRESS_MAX_RESPONSE_BYTES). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Default of {@link ResponseLimits.maxLineBytes}: 1 MiB. */
export const DEFAULT_MAX_EVENT_LINE_BYTES = 1024 * 1024;

/** Bounds on what a response body may be, checked as it streams (nothing is buffered for them). */
export interface ResponseLimits {
  /** Most bytes of a (decoded) body; past it the body stream errors. */
  readonly maxBytes: number;
  /** Most bytes of one line of a `text/event-stream` body without a line break; past it the stream errors. */
  readonly maxLineBytes: number;
}

/**
 * A response body that broke a {@link ResponseLimits} bound. The body stream errors with it (the
 * model clients report it as a ModelError); the message names the host and the limit, no content.
 */
export class ResponseLimitError extends EngineError {
  readonly code = 'egress_response_limit';
}

/**
 * A fetch that asks `check` for every request's destination, then connects to the address it
 * returns. Redirects are not followed; error answers (status ≥ 300) carry a sanitized body (its
 * message only, with the request's own credentials and API-key-looking strings masked).
 * Sockets are pooled per fetch (keyed by the checked IP and the TLS server name).
 */
export function createPinnedFetch(
  check: (url: URL) => Promise<CheckedDestination>,
  limits: ResponseLimits = { maxBytes: DEFAULT_MAX_RESPONSE_BYTES, maxLineBytes: DEFAULT_MAX_EVENT_LINE_BYTES },
): typeof globalThis.fetch {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true });
  EGRESS_AGENTS.add(httpAgent).add(httpsAgent);

  return async function pinnedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const signal = request.signal;
    if (signal.aborted) throw abortReason(signal);
    const destination = await check(new URL(request.url));
    if (signal.aborted) throw abortReason(signal);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;

    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    headers.host = destination.url.host;
    if (body) headers['content-length'] = String(body.length);
    const tls = destination.url.protocol === 'https:';

    return new Promise<Response>((resolve, reject) => {
      const options = {
        host: destination.address,
        family: destination.family,
        port: destination.port,
        method: request.method,
        path: `${destination.url.pathname}${destination.url.search}`,
        headers,
        agent: tls ? httpsAgent : httpAgent,
        // SNI and the certificate check use the name the URL gave, not the IP connected to.
        ...(tls && isIP(destination.hostname) === 0 ? { servername: destination.hostname } : {}),
        signal,
      };
      const req = tls ? https.request(options) : http.request(options);
      req.once('error', (error) =>
        // Like WHATWG fetch: an abort rejects with the signal's reason as it is (the run driver reads it as the stop reason).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(signal.aborted ? abortReason(signal) : new TypeError('fetch failed', { cause: error })),
      );
      req.once('response', (res) => {
        // The credentials this request carried never come back inside its error answer's message.
        const secrets = () => requestCredentials(destination.url, headers);
        toResponse(res, request.method, signal, destination.url.host, limits, secrets).then(resolve, reject);
      });
      req.end(body);
    });
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

async function toResponse(
  res: IncomingMessage,
  method: string,
  signal: AbortSignal,
  host: string,
  limits: ResponseLimits,
  secrets: () => string[],
): Promise<Response> {
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const init = { status, statusText: res.statusMessage ?? '', headers };

  if (NULL_BODY.has(status) || method === 'HEAD') {
    res.resume();
    return new Response(null, init);
  }
  const decoded = decode(res, headers);
  if (status >= 300) {
    // The raw body of an error answer never reaches the SDKs (they would echo it to the client).
    const raw = await readCapped(decoded, ERROR_BODY_LIMIT);
    const clean = sanitizedErrorBody(raw, secrets());
    headers.delete('content-length');
    if (clean === undefined) {
      headers.delete('content-type');
      return new Response(null, init);
    }
    headers.set('content-type', 'application/json');
    return new Response(clean, init);
  }
  const eventStream = /^\s*text\/event-stream\b/i.test(headers.get('content-type') ?? '');
  return new Response(toWebStream(decoded, signal, host, eventStream ? limits : { ...limits, maxLineBytes: Infinity }), init);
}

/**
 * The body as a web stream, with back-pressure. A body cut off before its end errors the
 * stream the way undici does (`terminated`, caused by the closed connection), so SDKs report
 * it as a failed stream; after an abort it errors with the abort reason. A body longer than
 * `limits.maxBytes` bytes, or a line longer than `limits.maxLineBytes` bytes without a line
 * break (CR or LF), errors the stream with a {@link ResponseLimitError} and closes the connection;
 * the bytes are counted as they arrive, and what came before the limit is passed on as usual.
 */
function toWebStream(body: Readable, signal: AbortSignal, host: string, limits: ResponseLimits): ReadableStream<Uint8Array> {
  let done = false;
  let total = 0;
  let line = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (message: string) => {
        done = true;
        controller.error(new ResponseLimitError(message));
        body.destroy();
      };
      body.on('data', (chunk: Buffer) => {
        if (done) return;
        total += chunk.length;
        if (total > limits.maxBytes) {
          return fail(`Response from ${host} is larger than ${limits.maxBytes} bytes (EGRESS_MAX_RESPONSE_BYTES)`);
        }
        if (limits.maxLineBytes !== Infinity) {
          line = longestLine(chunk, line, limits.maxLineBytes);
          if (line > limits.maxLineBytes) {
            return fail(`Event stream from ${host} has a line longer than ${limits.maxLineBytes} bytes`);
          }
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) body.pause();
      });
      finished(body, (error) => {
        if (done) return;
        done = true;
        if (!error) return controller.close();
        if (signal.aborted) return controller.error(abortReason(signal));
        const cause = new Error('the server closed the connection before the answer was complete', { cause: error });
        controller.error(new TypeError('terminated', { cause }));
      });
    },
    pull() {
      body.resume();
    },
    cancel() {
      done = true;
      body.destroy();
    },
  });
}

/**
 * Follows line lengths through `chunk`: `carried` bytes of the current line came before it.
 * @returns the length of the line still open at the chunk's end, or a number over `max` as soon
 *   as any line (one spanning chunks included) grows past `max` bytes
 */
function longestLine(chunk: Buffer, carried: number, max: number): number {
  let line = carried;
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte === 0x0a || byte === 0x0d) line = 0;
    else if (++line > max) return line;
  }
  return line;
}

/** The body with its content-encoding undone (the header is removed: the body is now plain). */
function decode(res: IncomingMessage, headers: Headers): Readable {
  const encoding = (headers.get('content-encoding') ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  headers.delete('content-encoding');
  headers.delete('content-length');
  res.once('error', (error) => decoder.destroy(error));
  decoder.once('close', () => res.destroy());
  return res.pipe(decoder);
}

/** Reads at most `limit` bytes as UTF-8, then stops reading (and closes the stream). */
async function readCapped(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // A body cut off mid-way: what arrived is enough to look for a message.
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
