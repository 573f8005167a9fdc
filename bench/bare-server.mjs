/**
 * The baseline: a bare `ws` server on /api/ws/runs/:id that answers a `start` frame with the same
 * frames the service sends for the scaled replay team (connected, task echo, K message_chunk
 * frames, the final message, the result), same keys and sizes, with no framework and no
 * database, as fast as the socket allows (it only yields to let other runs interleave and waits
 * when the socket's send buffer is full).
 *
 * Usage: node bench/bare-server.mjs --port 0 --chunks 1000   (prints {"port": n} on stdout)
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { chunkContents, replyText } from './workload.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '1000' } } });
const K = Number(values.chunks);
const TEXT = replyText(K);
const CONTENTS = chunkContents(TEXT);
const HIGH_WATER = 1 << 20; // bytes buffered in the socket before we wait
const YIELD_EVERY = 64; // chunks sent before letting other runs have the loop

const now = () => new Date().toISOString();
const tick = () => new Promise((r) => setImmediate(r));

function message(source, content, usage = null) {
  return { id: randomUUID(), source, models_usage: usage, metadata: {}, created_at: now(), content, type: 'TextMessage' };
}

/** Waits until the socket's buffer drains below HIGH_WATER (bounded: gives up when the socket closes). */
async function drain(ws) {
  while (ws.bufferedAmount > HIGH_WATER && ws.readyState === ws.OPEN) {
    await new Promise((r) => {
      const done = () => (ws._socket.off('drain', done), ws.off('close', done), r());
      ws._socket.once('drain', done);
      ws.once('close', done);
    });
  }
}

async function stream(ws, runId, task) {
  const started = process.hrtime.bigint();
  let seq = 0;
  const send = (frame) => ws.send(JSON.stringify({ ...frame, run_id: runId, seq: ++seq }));
  const echo = message('user', task);
  send({ type: 'message', data: echo });
  const finalId = randomUUID();
  for (let i = 0; i < CONTENTS.length; i++) {
    if (ws.readyState !== ws.OPEN) return;
    send({
      type: 'message_chunk',
      data: {
        id: randomUUID(),
        source: 'assistant_agent',
        models_usage: null,
        metadata: {},
        created_at: now(),
        content: CONTENTS[i],
        full_message_id: finalId,
        type: 'ModelClientStreamingChunkEvent',
      },
    });
    if ((i + 1) % YIELD_EVERY === 0) {
      await drain(ws);
      await tick();
    }
  }
  const usage = { prompt_tokens: task.split(/\s+/).filter(Boolean).length + 5, completion_tokens: CONTENTS.length };
  const final = { ...message('assistant_agent', TEXT, usage), id: finalId };
  send({ type: 'message', data: final });
  const duration = Number(process.hrtime.bigint() - started) / 1e9;
  send({
    type: 'result',
    status: 'complete',
    data: { task_result: { messages: [echo, final], stop_reason: "Text 'TERMINATE' mentioned" }, usage, duration },
  });
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(values.port) });
wss.on('connection', (ws, req) => {
  const match = /^\/api\/ws\/runs\/(\d+)/.exec(req.url ?? '');
  if (!match) return ws.close(4004, 'Run not found');
  const runId = Number(match[1]);
  let started = false;
  ws.on('error', () => {});
  ws.send(JSON.stringify({ type: 'system', status: 'connected', timestamp: now() }));
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return ws.send(JSON.stringify({ type: 'error', error: 'Invalid JSON', timestamp: now() }));
    }
    if (frame.type === 'start' && !started) {
      started = true;
      stream(ws, runId, frame.task).catch((err) => ws.send(JSON.stringify({ type: 'error', error: String(err), timestamp: now() })));
    } else if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: now() }));
  });
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`));
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
