import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError, RunStateError } from '../errors.js';
import { createMessage } from '../messages.js';
import { IOConsole } from './io-console.js';

function harness() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const io = new IOConsole({ input, output });
  return { io, input, read: () => text };
}

describe(IOConsole.name, () => {
  it('prints streamed chunks on one line and does not repeat their final message', () => {
    const { io, read } = harness();
    const final = createMessage('TextMessage', 'bot', { content: 'a b' });
    io.send(createMessage('TextMessage', 'user', { content: 'go' }));
    io.send(createMessage('ModelClientStreamingChunkEvent', 'bot', { content: 'a ', full_message_id: final.id }));
    io.send(createMessage('ModelClientStreamingChunkEvent', 'bot', { content: 'b', full_message_id: final.id }));
    io.send(final);
    io.send(createMessage('HandoffMessage', 'bot', { content: 'over', target: 'user', context: [] }));
    io.send({ messages: [], stop_reason: 'done' });
    expect(read()).toBe('user: go\nbot: a b\n[handoff] bot → user: over\n[stop] done\n');
  });

  it('answers input from lines typed before and after the question', async () => {
    const { io, input, read } = harness();
    const first = io.input('Q1: ');
    input.write('early\nlater\n');
    await expect(first).resolves.toBe('early');
    await expect(io.input('Q2: ')).resolves.toBe('later');
    expect(read()).toBe('Q1: early\nQ2: later\n');
    io.close();
  });

  it('rejects with CancelledError when the signal aborts, and with RunStateError at end of input', async () => {
    const { io, input } = harness();
    const controller = new AbortController();
    const pending = io.input('Q: ', { signal: controller.signal });
    controller.abort('User requested stop');
    await expect(pending).rejects.toThrow(CancelledError);
    const next = io.input('Q: ');
    input.end();
    await expect(next).rejects.toThrow(RunStateError);
    io.close();
  });
});
