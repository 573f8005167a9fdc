import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { batchWritesThisTurn, flushWrites, MAX_HOLD_MS, recordTransport } from './write-batching.js';

/** A transport that records each batch the stream hands to the "kernel". */
function transport() {
  const batches: number[] = [];
  const duplex = new Duplex({
    read() {},
    writev(chunks, callback) {
      batches.push(chunks.length);
      callback();
    },
    write(_chunk, _encoding, callback) {
      batches.push(1);
      callback();
    },
  });
  const ws = {} as WebSocket;
  recordTransport(ws, duplex);
  return { ws, duplex, batches };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('write batching', () => {
  it('sends the writes of one turn together, at the end of the turn', async () => {
    const { ws, duplex, batches } = transport();
    for (let i = 0; i < 5; i++) {
      batchWritesThisTurn(ws);
      duplex.write(`frame ${i}`);
    }
    expect(batches).toEqual([]);
    await nextTurn();
    expect(batches).toEqual([5]);
  });

  it('writes a batch at once when it grows past 64 KiB', () => {
    const { ws, duplex, batches } = transport();
    batchWritesThisTurn(ws);
    duplex.write(Buffer.alloc(64 * 1024));
    duplex.write('small');
    batchWritesThisTurn(ws);
    expect(batches).toEqual([2]);
  });

  it('flushWrites sends what is held before a close', () => {
    const { ws, duplex, batches } = transport();
    batchWritesThisTurn(ws);
    duplex.write('last frame');
    flushWrites(ws);
    expect(batches).toEqual([1]);
  });

  it(`sends every held batch at the next write once the oldest was held over ${MAX_HOLD_MS} ms, even within one turn`, () => {
    const first = transport();
    const second = transport();
    batchWritesThisTurn(first.ws);
    first.duplex.write('first run, first chunk');
    // Busy-wait inside this turn: a long poll phase handling many other sockets.
    const until = performance.now() + MAX_HOLD_MS + 1;
    while (performance.now() < until);
    batchWritesThisTurn(second.ws);
    second.duplex.write('second run');
    expect(first.batches).toEqual([1]);
    expect(second.batches).toEqual([]);
  });

  it('leaves sockets it does not know alone', () => {
    expect(() => batchWritesThisTurn({} as WebSocket)).not.toThrow();
  });
});
