import { describe, expect, it } from 'vitest';
import { createMessage } from '../engine/index.js';
import { DATABASE_UNAVAILABLE, frameLimitReason, LiveRun, reservationSpan, type LiveRunOptions } from './live-run.js';
import { MemoryRunJournal } from './memory-run-journal.js';
import { InProcessRunBus } from './run-bus.js';
import type { JournalWrite } from './run-journal.js';
import { frames, type RunFrame } from './ws-frames.js';

const OPTIONS: LiveRunOptions = { chunkFlushMs: 10_000, chunkFlushMax: 3, onDisconnect: 'detach', compactChunks: true, maxFrames: 1_000_000 };
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
    durableAtPublish.set(
      frame.seq,
      journal.get(RUN.id).frames.map((f) => f.seq),
    );
  });
  const controller = new AbortController();
  const control = { signal: controller.signal, stop: (reason: string) => controller.abort(reason) };
  const live = new LiveRun(RUN, 0, { ...OPTIONS, ...options }, control, journal, bus);
  return { journal, live, seen, control, bus, durableAtPublish };
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
const chunk = (content: string, fullMessageId = 'm') =>
  createMessage('ModelClientStreamingChunkEvent', 'a', { content, full_message_id: fullMessageId });
/** The final message of the turn whose chunks name `id`. */
const final = (id: string, content: string) => createMessage('TextMessage', 'a', { content }, { id });

/** Records every JournalWrite that reaches the journal. */
function recordWrites(journal: MemoryRunJournal): JournalWrite[] {
  const writes: JournalWrite[] = [];
  const write = journal.write.bind(journal);
  journal.write = async (run, w) => {
    writes.push(w);
    return write(run, w);
  };
  return writes;
}

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

  it('keeps every seq it sends, plus one, durably reserved, raising the reservation inside its own writes', async () => {
    const { live, journal, seen, bus } = setup({ chunkFlushMax: 3 });
    const reserve = journal.reserve.bind(journal);
    let reserveCalls = 0;
    journal.reserve = (runId, through) => (reserveCalls++, reserve(runId, through));
    const reservedWhenSent: [number, number][] = [];
    bus.subscribe(RUN.id, (frame) => reservedWhenSent.push([frame.seq, journal.get(RUN.id).reserved]));
    for (let i = 0; i < 2_500; i++) {
      if (i % 97 === 0) await live.emit(frames.message(text(`m${i}`)), [text(`m${i}`)]);
      else await live.emit(frames.message(chunk(`c${i} `)));
    }
    expect(seen).toHaveLength(2_500);
    for (const [seq, reserved] of reservedWhenSent) expect(reserved).toBeGreaterThan(seq);
    // Only the first frame of a run that started with nothing reserved needs a write of its own.
    expect(reserveCalls).toBe(1);
  });

  it('spans at least SEQ_BLOCK seqs, and two chunk batches', () => {
    expect(reservationSpan(64)).toBe(1000);
    expect(reservationSpan(10_000)).toBe(20_002);
  });

  it('abandon() ends the run without the database: viewers get a completion error on a reserved seq at once, the journal later', async () => {
    const { live, journal, seen, control } = setup({ chunkFlushMax: 100 });
    await journal.activate(RUN.id, [], 0);
    await live.emit(frames.message(text('one')), [text('one')]);
    await live.emit(frames.message(chunk('a ')));
    await live.emit(frames.message(chunk('b')));
    journal.holdDeferred = true;
    live.abandon(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    live.abandon(new Error('second call: no effect'));

    const end = seen.at(-1)!;
    const reason = `${DATABASE_UNAVAILABLE}: connect ECONNREFUSED 127.0.0.1:5432`;
    expect(end).toMatchObject({ type: 'completion', status: 'error', seq: 4, data: { task_result: { stop_reason: reason } } });
    expect(end.type === 'completion' && end.data.task_result.messages).toEqual([
      expect.objectContaining({ type: 'TextMessage', source: 'system', content: reason }),
    ]);
    expect(end.seq).toBeLessThanOrEqual(journal.get(RUN.id).reserved);
    expect(seen.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(control.signal.aborted && control.signal.reason).toBe(reason);
    expect(live.finished && live.abandoned).toBe(true);
    await expect(live.emit(frames.message(text('late')))).rejects.toThrow(/already finished/);
    // Nothing reached the journal yet; replay serves the unstored frames from memory.
    expect(journal.get(RUN.id).frames.map((f) => f.seq)).toEqual([1]);
    expect(journal.get(RUN.id).status).toBe('active');
    expect(live.pendingFrames().map((f) => f.seq)).toEqual([2, 3, 4]);

    await journal.flushDeferred();
    await live.endStored;
    expect(journal.get(RUN.id).frames).toEqual(seen);
    expect(journal.get(RUN.id)).toMatchObject({ status: 'error', finish: { stop_reason: reason, error_message: reason } });
  });

  it('after a failed write the terminal frame still takes a seq nobody was given', async () => {
    const { live, journal, seen } = setup();
    await live.emit(frames.message(text('one')), [text('one')]);
    journal.write = async () => {
      throw new Error('connection terminated');
    };
    await expect(live.emit(frames.message(text('never sent')), [text('never sent')])).rejects.toThrow('connection terminated');
    live.abandon(new Error('connection terminated'));
    // Seq 2 went to the frame whose write failed (it may have committed after all): the end takes 3.
    expect(seen.map((f) => [f.seq, f.type])).toEqual([
      [1, 'message'],
      [3, 'completion'],
    ]);
    expect(journal.get(RUN.id).reserved).toBeGreaterThanOrEqual(3);
  });

  it('a finish whose write fails ends the run without the database instead, and resolves', async () => {
    const { live, journal, seen } = setup();
    await journal.activate(RUN.id, []);
    await live.emit(frames.message(text('one')), [text('one')]);
    journal.write = async () => {
      throw new Error('Connection terminated unexpectedly');
    };
    const result = { task_result: { messages: [], stop_reason: 'done' }, usage: { prompt_tokens: 0, completion_tokens: 0 }, duration: 0 };
    await expect(
      live.finish(frames.result(result), { status: 'complete', team_result: result, stop_reason: 'done', error_message: null }),
    ).resolves.toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ type: 'completion', status: 'error', seq: 3 });
    expect(live.abandoned).toBe(true);
    await live.endStored;
    expect(journal.get(RUN.id)).toMatchObject({
      status: 'error',
      finish: { stop_reason: 'Database unavailable: Connection terminated unexpectedly' },
    });
  });
  it("compacts a finished turn in the message's write: pending chunks are not written, written ones are deleted", async () => {
    const { live, journal, seen } = setup({ chunkFlushMax: 3 });
    const writes = recordWrites(journal);
    for (const c of ['a ', 'b ', 'c ', 'd ', 'e']) await live.emit(frames.message(chunk(c, 'turn')));
    // Mid-turn nothing is compacted: stored and pending chunks together cover every seq.
    expect((await journal.framesAfter(1, 0)).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(live.pendingFrames().map((f) => f.seq)).toEqual([4, 5]);
    const message = final('turn', 'a b c d e');
    await live.emit(frames.message(message), [message]);
    expect(writes).toHaveLength(2); // the batch, then the message with its compaction: no extra round trip
    expect(writes[1]).toMatchObject({ compact: [{ from: 1, to: 3 }] });
    expect(writes[1]!.frames.map((f) => f.seq)).toEqual([6]);
    expect((await journal.framesAfter(1, 0)).map((f) => [f.seq, f.type])).toEqual([[6, 'message']]);
    expect(journal.get(1).messages).toEqual([message]);
    expect(live.pendingFrames()).toEqual([]);
    // Live viewers got every chunk all the same.
    expect(seen.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("compacts only the message's own turn, across interleaved frames, and leaves a run without chunks alone", async () => {
    const { live, journal } = setup({ chunkFlushMax: 2 });
    const writes = recordWrites(journal);
    await live.emit(frames.message(text('plain')), [text('plain')]);
    expect(writes[0]).not.toHaveProperty('compact');
    await live.emit(frames.message(chunk('x', 'one'))); // 2
    await live.emit(frames.message(chunk('y', 'other'))); // 3: flushed with 2
    await live.emit(frames.message(text('between')), [text('between')]); // 4
    await live.emit(frames.message(chunk('z', 'one'))); // 5
    await live.emit(frames.message(chunk('w', 'one'))); // 6: flushed with 5
    await live.emit(frames.message(chunk('v', 'one'))); // 7: pending
    await live.emit(frames.message(final('one', 'xzwv')), [final('one', 'xzwv')]); // 8
    expect(writes.at(-1)).toMatchObject({
      compact: [
        { from: 2, to: 2 },
        { from: 5, to: 6 },
      ],
    });
    expect((await journal.framesAfter(1, 0)).map((f) => f.seq)).toEqual([1, 3, 4, 8]);
  });

  it('keeps every chunk with compactChunks off', async () => {
    const { live, journal } = setup({ chunkFlushMax: 2, compactChunks: false });
    for (const c of ['a', 'b', 'c']) await live.emit(frames.message(chunk(c, 'turn')));
    await live.emit(frames.message(final('turn', 'abc')), [final('turn', 'abc')]);
    expect((await journal.framesAfter(1, 0)).map((f) => f.seq)).toEqual([1, 2, 3, 4]);
  });

  it('stops the run at maxFrames, chunks counted, keeping the last frame for its terminal frame', async () => {
    const { live, journal, seen, control } = setup({ maxFrames: 5, chunkFlushMax: 100 });
    await journal.activate(RUN.id, []);
    for (let i = 0; i < 10; i++) await live.emit(frames.message(chunk(`c${i}`)));
    expect(seen.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(control.signal.aborted && control.signal.reason).toBe(frameLimitReason(5));
    expect(frameLimitReason(5)).toBe('Frame limit of 5 reached (RUN_MAX_FRAMES)');
    const result = {
      task_result: { messages: [], stop_reason: frameLimitReason(5) },
      usage: { prompt_tokens: 0, completion_tokens: 0 },
      duration: 0,
    };
    await live.finish(frames.completion('cancelled', result), {
      status: 'stopped',
      team_result: result,
      stop_reason: frameLimitReason(5),
      error_message: null,
    });
    expect(journal.get(RUN.id).frames.map((f) => [f.seq, f.type])).toEqual([
      [1, 'message_chunk'],
      [2, 'message_chunk'],
      [3, 'message_chunk'],
      [4, 'message_chunk'],
      [5, 'completion'],
    ]);
  });
  it('a run someone else ended first (a reaper): viewers get the stored terminal frame, not a second one', async () => {
    const { live, journal, seen } = setup();
    await journal.activate(1, []);
    await live.emit(frames.message(text('hi')), [text('hi')]);
    const result = { task_result: { messages: [], stop_reason: 'x' }, usage: { prompt_tokens: 0, completion_tokens: 0 }, duration: 0 };
    const reaped = { ...frames.completion('error', result), run_id: 1, seq: 9 } as RunFrame;
    expect(
      await journal.write(RUN, {
        frames: [reaped],
        finish: { status: 'error', team_result: result, stop_reason: 'Instance lost', error_message: 'Instance lost' },
      }),
    ).toBe(true);
    await live.finish(frames.completion('cancelled', result), {
      status: 'stopped',
      team_result: result,
      stop_reason: 'Instance lost',
      error_message: null,
    });
    expect(seen.map((f) => [f.seq, f.type])).toEqual([
      [1, 'message'],
      [9, 'completion'],
    ]);
    expect(journal.get(1).frames.map((f) => f.seq)).toEqual([1, 9]);
  });
});
