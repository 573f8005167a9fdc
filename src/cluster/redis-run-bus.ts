/**
 * The run bus of cluster mode (CLUSTER=redis): frames of a run reach its viewers on every
 * instance, in seq order, gap-free across a viewer's subscribe/replay hand-over.
 *
 * Why Redis Streams and not pub/sub. Pub/sub forgets a message nobody was subscribed to at the
 * instant it was sent, so a viewer joining on another instance could not get the chunks the owner
 * has sent but not yet stored (they exist only in the owner's memory): its replay would have a
 * hole. A stream per run (`<prefix>run:<id>:frames`) keeps the recent frames, each under the
 * entry id `0-<seq>`, so the stream is in seq order and a reader resumes from any seq with XRANGE
 * or XREAD. PostgreSQL stays the source of truth: the journal holds every stored frame, the
 * stream only what is in flight (it is trimmed to STREAM_MAXLEN entries, more than the chunks a
 * run keeps unstored, and expires STREAM_TTL_S after the run's terminal frame). A hole in the
 * stream (Redis restarted, an append that failed) is filled from the journal; what the journal
 * does not have either becomes a `gap` frame at the viewer (WebSocketManager.attach).
 *
 * Publishing (the owner): local viewers get the frame at once, as with the in-process bus; the
 * XADD is sent without waiting (ioredis pipelines commands on one connection, in order). A failed
 * append is logged and the run goes on.
 *
 * Presence: an instance whose viewers watch a run owned elsewhere says so in the run's sorted set
 * `<prefix>run:<id>:watchers` (member: its id, score: when that claim lapses, epoch ms), renewed
 * every PRESENCE_REFRESH_MS; the owner asks it before its detach grace stops a run nobody
 * watches locally (watchedElsewhere).
 *
 * Reading (a viewer of a run owned elsewhere): one blocking reader per instance, on a dedicated
 * connection, XREADs every stream this instance's viewers watch, from the last seq it delivered
 * for each (from the start of the stream for a newly watched run: the viewer's replay dedupes).
 * When the set of watched runs grows, the blocked XREAD is cut short with CLIENT UNBLOCK and
 * issued again with the new set. While Redis does not answer, watched runs are followed from the
 * journal instead (every READ_RETRY_MS), so a viewer still gets the stored frames and the
 * terminal frame, and never hangs. Nor when Redis answers but a run's stream went silent because
 * the instance that ended it could not append (a reaper cut off from Redis): watched runs silent
 * for QUIET_CHECK_MS are looked up in the journal, and an ended one's stored frames delivered.
 */
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { frameJson } from '../runs/frame-json.js';
import { RunBus, RunListeners, type RunFrameListener } from '../runs/run-bus.js';
import type { RunJournal } from '../runs/run-journal.js';
import { isTerminalFrame, type RunFrame } from '../runs/ws-frames.js';
import type { RedisConnections } from './redis-connections.js';

/** How long one XREAD blocks when nothing arrives (ms); a new watched run cuts it short (CLIENT UNBLOCK). */
const BLOCK_MS = 2_000;
/** How much longer than BLOCK_MS the client waits for a blocked XREAD's answer before it gives up on it (ms). */
const READ_GRACE_MS = 1_000;
/** Entries one XREAD returns at most. */
const READ_COUNT = 1_000;
/** While Redis does not answer: the pause between attempts, in which watched runs are followed from the journal (ms). */
const READ_RETRY_MS = 1_000;
/**
 * A watched run whose stream has been silent this long (ms) is looked up in the journal, all such
 * runs in one query at most this often: a run ended by an instance that could not append to its
 * stream (a reaper cut off from Redis) would otherwise leave its viewers here waiting for ever.
 */
const QUIET_CHECK_MS = 2_000;
/** How often an instance renews its claim to watch a run, and how long one claim lasts (ms; the margin covers clock skew between instances). */
const PRESENCE_REFRESH_MS = 5_000;
const PRESENCE_TTL_MS = 20_000;
/** Seconds a run's stream lives after its terminal frame: long enough for a viewer's hand-over; then the journal has it all. */
export const STREAM_TTL_S = 60;

/**
 * The stream's approximate MAXLEN: at least every frame a run may hold unstored. A run stores its
 * chunks once RUN_CHUNK_FLUSH_MAX are waiting (or after RUN_CHUNK_FLUSH_MS), and every other frame
 * before it is published; chunks keep coming while a batch is being written, so the margin is four
 * batches and a fixed 1,000 entries (a slow database). Entries past it are in the journal.
 */
export function streamMaxLen(chunkFlushMax: number): number {
  return chunkFlushMax * 4 + 1_000;
}

interface Watched {
  /** The highest seq delivered to this instance's listeners (0: none yet). */
  lastSeq: number;
  /** performance.now() when the run was last heard of: watched, or a frame delivered. */
  heardAt: number;
}

export class RedisRunBus extends RunBus implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisRunBus.name);
  private readonly listeners = new RunListeners();
  /** Runs published from here (this instance runs them): their frames never come back from the reader. */
  private readonly local = new Set<number>();
  /** Runs of other instances that local viewers watch. */
  private readonly watched = new Map<number, Watched>();
  private readonly reader: Redis;
  private readerClientId: number | undefined;
  private blocked = false;
  private wake: (() => void) | undefined;
  private closed = false;
  private appendFailures = 0;
  private readFailing = false;
  /** performance.now() of the last look for quiet runs that ended (checkQuiet). */
  private quietCheckedAt = 0;
  private readonly loop: Promise<void>;
  private readonly presenceTimer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnections,
    private readonly journal: RunJournal,
    private readonly maxLen: number,
  ) {
    super();
    // ioredis otherwise lets a blocking command wait for ever on a connection that died under it:
    // with blockingTimeout an XREAD resolves empty at the latest BLOCK_MS + READ_GRACE_MS after it was sent.
    this.reader = redis.dedicated('frames-reader', { blockingTimeout: BLOCK_MS, blockingTimeoutGrace: READ_GRACE_MS });
    // A reconnected reader is another Redis client: its id is asked again before the next XREAD.
    this.reader.on('close', () => (this.readerClientId = undefined));
    this.loop = this.readLoop();
    this.presenceTimer = setInterval(() => {
      for (const runId of this.watched.keys()) this.claimWatching(runId);
    }, PRESENCE_REFRESH_MS);
    this.presenceTimer.unref();
  }

  publish(frame: RunFrame): void {
    const runId = frame.run_id;
    const terminal = isTerminalFrame(frame);
    if (terminal) this.local.delete(runId);
    else if (!this.local.has(runId)) {
      // A run started here that local viewers watched before its start: it is not watched "elsewhere".
      this.local.add(runId);
      this.unwatch(runId);
    }
    // A run ended here that local viewers followed from the stream (a reaper's terminal frame):
    // the reader must not deliver that frame a second time.
    const state = this.watched.get(runId);
    if (state) state.lastSeq = Math.max(state.lastSeq, frame.seq);
    const json = frameJson(frame);
    this.listeners.dispatch(frame, json);
    this.append(runId, frame.seq, json, terminal);
  }

  subscribe(runId: number, listener: RunFrameListener): () => void {
    const remove = this.listeners.add(runId, listener);
    if (!this.local.has(runId) && !this.watched.has(runId)) {
      this.watched.set(runId, { lastSeq: 0, heardAt: performance.now() });
      this.claimWatching(runId);
      this.rewatch();
    }
    return () => {
      if (remove()) this.unwatch(runId);
    };
  }

  async watchedElsewhere(runId: number): Promise<boolean> {
    try {
      const watchers = await this.redis.commands.zrangebyscore(this.watchersKey(runId), Date.now(), '+inf');
      return watchers.some((instanceId) => instanceId !== this.redis.instanceId);
    } catch (error) {
      // Unknown: the run is kept (the grace asks again), rather than stopped under a viewer.
      this.logger.warn(`Run ${runId}: cannot tell whether other instances watch it (${(error as Error).message}); it goes on`);
      return true;
    }
  }

  async recentFrames(runId: number, after: number): Promise<RunFrame[]> {
    try {
      const entries = await this.redis.commands.xrange(this.streamKey(runId), `0-${after + 1}`, '+');
      return entries.map(([, fields]) => JSON.parse(fields[1]!) as RunFrame);
    } catch (error) {
      this.logger.warn(`Run ${runId}: frames in flight unreadable (${(error as Error).message}); replaying from the journal only`);
      return [];
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.presenceTimer);
    this.closed = true;
    this.wake?.();
    this.reader.disconnect();
    await this.loop;
  }

  private streamKey(runId: number): string {
    return this.redis.key('run', runId, 'frames');
  }

  private watchersKey(runId: number): string {
    return this.redis.key('run', runId, 'watchers');
  }

  /** No local viewer follows the run from its stream any more: the reader drops it, and the claim to watch it goes. */
  private unwatch(runId: number): void {
    if (this.watched.delete(runId)) this.redis.commands.zrem(this.watchersKey(runId), this.redis.instanceId).catch(() => undefined);
  }

  /** Says (again) that this instance's viewers watch the run, for PRESENCE_TTL_MS; not waited for. */
  private claimWatching(runId: number): void {
    const key = this.watchersKey(runId);
    this.redis.commands
      .multi()
      .zadd(key, Date.now() + PRESENCE_TTL_MS, this.redis.instanceId)
      .zremrangebyscore(key, '-inf', Date.now())
      .pexpire(key, PRESENCE_TTL_MS)
      .exec()
      .catch(() => undefined);
  }

  /** XADD without waiting; after the terminal frame the stream gets its expiry. */
  private append(runId: number, seq: number, json: string, terminal: boolean): void {
    const key = this.streamKey(runId);
    const failed = (error: Error) => {
      // One line per outage, not one per frame.
      if (this.appendFailures++ === 0) this.logger.warn(`Run ${runId}: frame ${seq} not sent to other instances (${error.message}); the run goes on`);
    };
    this.redis.commands.xadd(key, 'MAXLEN', '~', this.maxLen, `0-${seq}`, 'f', json).then(() => {
      if (this.appendFailures > 0) this.logger.log(`Frames reach other instances again (${this.appendFailures} append(s) failed)`);
      this.appendFailures = 0;
    }, failed);
    if (terminal) this.redis.commands.expire(key, STREAM_TTL_S).catch(failed);
  }

  /** The watched set grew: a blocked XREAD is cut short so the next one includes the new run. */
  private rewatch(): void {
    if (this.wake) return this.wake();
    if (this.blocked && this.readerClientId !== undefined) {
      this.redis.commands.client('UNBLOCK', this.readerClientId).catch(() => undefined);
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      if (this.watched.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const runs = [...this.watched.keys()];
      let reply: [string, [string, string[]][]][] | null;
      let sentAt = 0;
      try {
        this.readerClientId ??= Number(await this.reader.client('ID'));
        this.blocked = true;
        sentAt = performance.now();
        reply = (await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...runs.map((runId) => this.streamKey(runId)),
          ...runs.map((runId) => `0-${this.watched.get(runId)?.lastSeq ?? 0}`),
        )) as [string, [string, string[]][]][] | null;
      } catch (error) {
        if (this.closed) return;
        await this.readFailed((error as Error).message);
        continue;
      } finally {
        this.blocked = false;
      }
      // An empty answer from a connection that is not up, or later than Redis's own BLOCK timeout,
      // is ioredis giving up (blockingTimeout), not Redis answering. A connection that looks up
      // but did not answer (half-open) is dropped and opened again.
      const clientTimedOut = reply === null && performance.now() - sentAt >= BLOCK_MS + READ_GRACE_MS;
      if (reply === null && (this.reader.status !== 'ready' || clientTimedOut)) {
        if (this.closed) return;
        if (this.reader.status === 'ready') this.reader.disconnect(true);
        await this.readFailed(`no answer (connection ${this.reader.status})`);
        continue;
      }
      if (this.readFailing) {
        this.readFailing = false;
        this.logger.log("Reading other instances' frames again");
        // What was stored while the stream could not be read (appends may have failed meanwhile).
        await this.followJournal();
      }
      const runOf = new Map(runs.map((runId) => [this.streamKey(runId), runId]));
      for (const [key, entries] of reply ?? []) {
        const runId = runOf.get(key);
        if (runId === undefined) continue;
        // Entry ids are `0-<seq>`.
        for (const [id, fields] of entries) await this.receive(runId, Number(id.slice(2)), fields[1]!);
      }
      await this.checkQuiet();
    }
  }

  /**
   * Watched runs silent for QUIET_CHECK_MS that the journal says have ended get their stored
   * frames, the terminal one included (one query for all of them, at most every QUIET_CHECK_MS).
   */
  private async checkQuiet(): Promise<void> {
    const now = performance.now();
    if (now - this.quietCheckedAt < QUIET_CHECK_MS) return;
    this.quietCheckedAt = now;
    const quiet = [...this.watched].filter(([runId, state]) => !this.local.has(runId) && now - state.heardAt >= QUIET_CHECK_MS);
    if (quiet.length === 0) return;
    let ended: number[];
    try {
      ended = await this.journal.endedAmong(quiet.map(([runId]) => runId));
    } catch {
      return; // the database is away: the next look, or the stream, will do
    }
    for (const runId of ended) {
      const state = this.watched.get(runId);
      if (state) await this.fillFromJournal(runId, state);
      // Its stream may never have had the terminal frame, nor so its expiry.
      this.redis.commands.expire(this.streamKey(runId), STREAM_TTL_S).catch(() => undefined);
    }
  }

  /** Redis does not answer: watched runs are followed from the journal until it does. */
  private async readFailed(why: string): Promise<void> {
    if (!this.readFailing) this.logger.warn(`Reading other instances' frames failed (${why}); following the journal meanwhile`);
    this.readFailing = true;
    await this.followJournal();
    await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS).unref());
  }

  /** One entry read from a watched run's stream: delivered in order, a hole before it filled from the journal. */
  private async receive(runId: number, seq: number, json: string): Promise<void> {
    const state = this.watched.get(runId);
    if (!state || this.local.has(runId) || seq <= state.lastSeq) return;
    if (state.lastSeq > 0 && seq > state.lastSeq + 1) await this.fillFromJournal(runId, state, seq);
    if (seq <= state.lastSeq) return;
    state.lastSeq = seq;
    state.heardAt = performance.now();
    this.listeners.dispatch(JSON.parse(json) as RunFrame, json);
  }

  /** Delivers the stored frames of a watched run after its last delivered seq (and before `before`). */
  private async fillFromJournal(runId: number, state: Watched, before = Number.POSITIVE_INFINITY): Promise<void> {
    let stored: RunFrame[];
    try {
      stored = await this.journal.framesAfter(runId, state.lastSeq);
    } catch (error) {
      this.logger.warn(`Run ${runId}: cannot fill frames from the journal (${(error as Error).message}); viewers get a gap`);
      return;
    }
    for (const frame of stored) {
      if (frame.seq >= before || this.watched.get(runId) !== state || frame.seq <= state.lastSeq) continue;
      state.lastSeq = frame.seq;
      state.heardAt = performance.now();
      this.listeners.dispatch(frame);
    }
  }

  /** Every watched run, from the journal: what viewers would otherwise miss while Redis is away. */
  private async followJournal(): Promise<void> {
    for (const [runId, state] of [...this.watched]) {
      if (!this.local.has(runId)) await this.fillFromJournal(runId, state);
    }
  }
}
