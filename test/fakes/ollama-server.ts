/**
 * A local HTTP server that speaks Ollama's native chat API (`POST /api/chat`), for tests.
 *
 * Each request consumes the next scripted reply, in order:
 *
 *   const ollama = await startOllamaServer([
 *     { type: 'text', text: 'Hello there', chunks: ['Hello', ' there'], promptEvalCount: 12, evalCount: 3 },
 *     { type: 'tool_calls', calls: [{ name: 'add', arguments: { a: 1, b: 2 } }], content: 'Let me add.' },
 *     { type: 'error', status: 404, message: 'model "x" not found, try pulling it first' },
 *   ]);
 *   // point a client's `host` at ollama.host; read ollama.requests[i].body afterwards
 *
 * With `stream: true` (Ollama's default) the answer is NDJSON: one line per chunk
 * (`{model, created_at, message: {role, content}, done: false}`), then a last line with
 * `done: true`, `done_reason`, empty content and the counts (`prompt_eval_count`, `eval_count`,
 * durations), as Ollama writes it. Tool calls arrive whole in one chunk, as Ollama sends them.
 * Otherwise one JSON object with the same fields. When the script runs out: 500 `{error}`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './fake-http.js';

export interface OllamaTextReply {
  type: 'text';
  text: string;
  /** How the streamed text is cut (default: one chunk per word, spaces kept). */
  chunks?: string[];
  promptEvalCount?: number;
  evalCount?: number;
  doneReason?: string;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

export interface OllamaToolCallsReply {
  type: 'tool_calls';
  calls: { name: string; arguments: Record<string, unknown> }[];
  /** Text said alongside the calls (AgentChat reads it as the model's thought). */
  content?: string;
  promptEvalCount?: number;
  evalCount?: number;
  /** The model the response names (default: the one the request asked for), as a provider answers an alias with a dated snapshot. */
  model?: string;
}

export interface OllamaErrorReply {
  type: 'error';
  status: number;
  message: string;
}

export type OllamaReply = OllamaTextReply | OllamaToolCallsReply | OllamaErrorReply;

export interface OllamaRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface OllamaServer {
  /** `http://127.0.0.1:<port>`, what a config's `host` names. */
  host: string;
  requests: OllamaRequest[];
  close(): Promise<void>;
}

export async function startOllamaServer(script: OllamaReply[]): Promise<OllamaServer> {
  const requests: OllamaRequest[] = [];
  let next = 0;
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== '/api/chat') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
        return;
      }
      const reply = script[next++];
      const asked = typeof body.model === 'string' ? body.model : 'unknown';
      if (!reply) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the fake Ollama script ran out' }));
        return;
      }
      if (reply.type === 'error') {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: reply.message }));
        return;
      }
      const model = reply.model ?? asked;
      const stream = body.stream !== false;
      const created_at = new Date().toISOString();
      const counts = {
        total_duration: 1_000_000,
        load_duration: 1000,
        prompt_eval_count: reply.promptEvalCount ?? 10,
        prompt_eval_duration: 1000,
        eval_count: reply.evalCount ?? 5,
        eval_duration: 1000,
      };
      const doneReason = reply.type === 'text' ? (reply.doneReason ?? 'stop') : 'stop';
      const toolCalls = reply.type === 'tool_calls' ? reply.calls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) : undefined;
      const text = reply.type === 'text' ? reply.text : (reply.content ?? '');
      if (!stream) {
        const message = { role: 'assistant', content: text, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ model, created_at, message, done_reason: doneReason, done: true, ...counts }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (value: unknown): boolean => res.write(`${JSON.stringify(value)}\n`);
      if (reply.type === 'text') {
        for (const chunk of reply.chunks ?? reply.text.split(/(?<= )/))
          line({ model, created_at, message: { role: 'assistant', content: chunk }, done: false });
      } else {
        if (text) line({ model, created_at, message: { role: 'assistant', content: text }, done: false });
        line({ model, created_at, message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false });
      }
      line({ model, created_at, message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true, ...counts });
      res.end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
