import { describe, expect, it } from 'vitest';
import { createMessage } from '../engine/index.js';
import { LiveRun, type LiveRunOptions } from './live-run.js';
import { MemoryRunJournal } from './memory-run-journal.js';
import { InProcessRunBus } from './run-bus.js';
import { frames, type RunFrame } from './ws-frames.js';

const OPTIONS: LiveRunOptions = { chunkFlushMs: 10_000, chunkFlushMax: 3, onDisconnect: 'detach', inputTimeoutS: 60 };
const RUN = { id: 1, sessionId: 1, userId: 'u' };

function setup(options: Partial<LiveRunOptions> = {}) {
  const journal = new MemoryRunJournal();
  journal.create(RUN.id);
  const bus = new InProcessRunBus();
  const seen: RunFrame[] = [];
  /** For each published frame (by seq), the seqs the journal held at the moment it was published. */
  const durableAtPublish = new Map<number, number[]>();
  bus.subscribe(RUN.id, (frame) => {
    seen.push(frame);
    durableAtPublish.set(frame.seq, journal.get(RUN.id).frames.map((f) => f.seq));
  });
  const live = new LiveRun(RUN, 0, { ...OPTIONS, ...options }, journal, bus);
  return { journal, live, seen, durableAtPublish };
}

/** Makes each journal write take a turn of the event loop, as a database round trip does. */
function slowWrites(journal: MemoryRunJournal): void {
  const write = journal.write.bind(journal);
  journal.write = async (run, w) => {
    await new Promise((resolve) => setImmediate(resolve));
    return write(run, w);
  };
}

const text = (content: string) => createMessage('TextMessage', 'a', { content });
const chunk = (content: string) => createMessage('ModelClientStreamingChunkEvent', 'a', { content, full_message_id: 'm' });

describe(LiveRun.name, () => {
  it('numbers frames 1, 2, 3 … and stamps the run id', async () => {
    const { live, seen } = setup();
    await live.emit(frames.message(text('one')));
    await live.emit(frames.message(chunk('two')));
    await live.emit(frames.message(text('three')));
    expect(seen.map((f) => [f.run_id, f.seq, f.type])).toEqual([
      [1, 1, 'message'],
      [1, 2, 'message_chunk'],
      [1, 3, 'message'],
    ]);
  });

  it('writes a message frame, with the chunks before it, before publishing it', async () => {
    const { live, journal, seen, durableAtPublish } = setup();
    slowWrites(journal);
    await live.emit(frames.message(chunk('a ')));
    expect(seen).toHaveLength(1); // chunks are published at once…
    expect(durableAtPublish.get(1)).toEqual([]);
    expect(await journal.framesAfter(1, 0)).toEqual([]); // …and written later
    const message = text('a b');
    const emitted = live.emit(frames.message(message), [message]);
    expect(seen).toHaveLength(1); // not published before the write
    await emitted;
    // When viewers got the message, it and the chunk before it were already in the journal.
    expect(durableAtPublish.get(2)).toEqual([1, 2]);
    expect((await journal.framesAfter(1, 0)).map((f) => f.seq)).toEqual([1, 2]);
    expect(journal.get(1).messages).toEqual([message]);
    expect(seen.map((f) => f.seq)).toEqual([1, 2]);
  });

  it('flushes chunks in batches when chunkFlushMax are waiting', async () => {
    const { live, journal } = setup({ chunkFlushMax: 3 });
    for (const c of ['a', 'b', 'c', 'd']) await live.emit(frames.message(chunk(c)));
    expect((await journal.framesAfter(1, 0)).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(journal.writes).toBe(1);
    expect(live.pendingFrames().map((f) => f.seq)).toEqual([4]);
  });

  it('flushes waiting chunks after chunkFlushMs', async () => {
    const { live, journal } = setup({ chunkFlushMs: 5, chunkFlushMax: 100 });
    await live.emit(frames.message(chunk('a')));
    await expect.poll(() => journal.get(1).frames.length, { timeout: 2000 }).toBe(1);
    expect(live.pendingFrames()).toEqual([]);
  });

  it('writes the terminal frame and the final status together, and refuses frames after it', async () => {
    const { live, journal, durableAtPublish } = setup();
    slowWrites(journal);
    await journal.activate(1, []);
    const result = { task_result: { messages: [], stop_reason: 'done' }, usage: { prompt_tokens: 0, completion_tokens: 0 }, duration: 0 };
    await live.finish(frames.result(result), { status: 'complete', team_result: result, stop_reason: 'done', error_message: null });
    expect(durableAtPublish.get(1)).toEqual([1]); // published only once written
    expect(journal.get(1).status).toBe('complete');
    expect(journal.get(1).frames.at(-1)?.type).toBe('result');
    await expect(live.emit(frames.message(text('late')))).rejects.toThrow(/already finished/);
  });

  it('keeps later frames flowing after a failed write', async () => {
    const { live, journal, seen } = setup();
    const write = journal.write.bind(journal);
    let fail = true;
    journal.write = async (run, w) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return write(run, w);
    };
    await expect(live.emit(frames.message(text('lost')))).rejects.toThrow('disk full');
    await live.emit(frames.message(text('kept')));
    expect(seen.map((f) => (f.data as { content: string }).content)).toEqual(['kept']);
  });

  it('cancel aborts its signal with the reason once', () => {
    const { live } = setup();
    live.cancel('first');
    live.cancel('second');
    expect(live.signal.aborted).toBe(true);
    expect(live.signal.reason).toBe('first');
  });
});
