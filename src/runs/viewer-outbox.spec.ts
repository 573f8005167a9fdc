import { describe, expect, it } from 'vitest';
import { createMessage } from '../engine/index.js';
import { TOO_SLOW, ViewerOutbox, type OutboxSocket } from './viewer-outbox.js';
import type { RunFrame } from './ws-frames.js';

class FakeSocket implements OutboxSocket {
  bufferedAmount = 0;
  sent: RunFrame[] = [];
  closedWith: { code: number; reason: string } | undefined;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as RunFrame);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
}

let seq = 0;
const chunk = (content: string, id = 'm1'): RunFrame => ({
  type: 'message_chunk',
  data: createMessage('ModelClientStreamingChunkEvent', 'a', { content, full_message_id: id }),
  run_id: 1,
  seq: ++seq,
});
const message = (content: string): RunFrame => ({ type: 'message', data: createMessage('TextMessage', 'a', { content }), run_id: 1, seq: ++seq });
const push = (outbox: ViewerOutbox, frame: RunFrame) => outbox.push(frame, JSON.stringify(frame));
const LIMITS = { softLimitBytes: 1000, hardLimitBytes: 100_000, drainCheckMs: 5 };

describe(ViewerOutbox.name, () => {
  it('sends straight through while the socket keeps up', () => {
    const socket = new FakeSocket();
    const outbox = new ViewerOutbox(socket, LIMITS);
    const frames = [chunk('a'), chunk('b'), message('ab')];
    for (const f of frames) push(outbox, f);
    expect(socket.sent).toEqual(frames);
    expect(outbox.lastSentSeq).toBe(frames[2]!.seq);
  });

  it('past the soft limit merges held chunks of one message, keeps order, and sends when drained', async () => {
    const socket = new FakeSocket();
    const outbox = new ViewerOutbox(socket, LIMITS);
    socket.bufferedAmount = 5000;
    const a = chunk('The ');
    const b = chunk('sea ');
    const c = chunk('is', 'm1');
    const final = message('The sea is');
    const next = chunk('Next', 'm2');
    for (const f of [a, b, c, final, next]) push(outbox, f);
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    await expect.poll(() => socket.sent.length, { timeout: 1000 }).toBe(3);
    expect(socket.sent[0]).toMatchObject({ type: 'message_chunk', seq: c.seq, data: { content: 'The sea is', full_message_id: 'm1' } });
    expect(socket.sent[1]).toEqual(final);
    expect(socket.sent[2]).toEqual(next);
    expect(socket.closedWith).toBeUndefined();
  });

  it('past the hard limit closes the viewer with 1013 and stops holding frames', () => {
    const socket = new FakeSocket();
    const outbox = new ViewerOutbox(socket, { ...LIMITS, hardLimitBytes: 2000 });
    socket.bufferedAmount = 1500;
    push(outbox, message('x'.repeat(600)));
    expect(socket.closedWith).toEqual({ code: TOO_SLOW.code, reason: TOO_SLOW.reason });
    push(outbox, message('after'));
    expect(socket.sent).toEqual([]);
  });
});
