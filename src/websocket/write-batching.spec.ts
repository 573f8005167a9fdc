import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { batchWritesThisTurn, flushWrites, recordTransport } from './write-batching.js';

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

  it('leaves sockets it does not know alone', () => {
    expect(() => batchWritesThisTurn({} as WebSocket)).not.toThrow();
  });
});
