/**
 * Frames sent to one socket in the same turn of the event loop leave in one write. `ws` writes
 * (and makes a system call for) every frame it sends; a run streams many small chunks, so the
 * syscalls, not the bytes, were the cost. Corking the TCP socket until the end of the turn lets
 * the kernel get them together, without delaying any frame past the current turn.
 *
 * A turn can be long: one poll of the event loop may hand over hundreds of sockets' messages (500
 * runs started at once), and a frame held to the end of it would wait for every one of them. So
 * nothing is held longer than MAX_HOLD_MS either: the next write after that sends every held batch.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The TCP socket under each WebSocket the server accepted (recorded at upgrade). */
const transports = new WeakMap<WebSocket, Duplex>();
/** Transports held now; all are sent by the end of this turn at the latest. */
const corked = new Set<Duplex>();
/** performance.now() when the oldest held batch was started. */
let oldestHeldAt = 0;
/** Past this many held bytes a batch is written at once. */
const MAX_BATCH_BYTES = 64 * 1024;
/** Longest a frame is held (ms) when the turn goes on: about one syscall's worth of batching at stream rates. */
export const MAX_HOLD_MS = 2;

export function recordTransport(ws: WebSocket, transport: Duplex): void {
  transports.set(ws, transport);
}

/** Holds the socket's writes until the end of this event-loop turn; cheap to call per frame. */
export function batchWritesThisTurn(ws: WebSocket): void {
  const transport = transports.get(ws);
  if (!transport) return;
  if (corked.size > 0 && performance.now() - oldestHeldAt > MAX_HOLD_MS) sendAllHeld();
  if (corked.has(transport)) {
    // A big batch goes to the kernel now: held bytes would otherwise read as a slow viewer's
    // backlog (bufferedAmount) and a large message could trip the viewer limits for nothing.
    if (transport.writableLength >= MAX_BATCH_BYTES) {
      transport.uncork();
      transport.cork();
    }
    return;
  }
  if (corked.size === 0) oldestHeldAt = performance.now();
  corked.add(transport);
  transport.cork();
  setImmediate(() => flushWrites(ws));
}

/**
 * Sends what is held now. Call it before closing: a socket that is destroyed while corked
 * (as `ws` does to its clients at shutdown) would drop the held frames.
 */
export function flushWrites(ws: WebSocket): void {
  const transport = transports.get(ws);
  if (!transport || !corked.delete(transport)) return;
  transport.uncork();
}

function sendAllHeld(): void {
  for (const transport of corked) transport.uncork();
  corked.clear();
}
