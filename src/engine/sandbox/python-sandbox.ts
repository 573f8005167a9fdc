/**
 * The pool of sandbox processes that Python tools run in (README, "Python tools: the sandbox").
 *
 * - A run is a session, keyed by the run's AbortSignal (ToolContext.signal). Its first call takes
 *   a spare: a started process that has never run anything. From then on that process is the
 *   run's alone (its Python module state lives as long as the run, as in AgentChat's process),
 *   and it is killed when the run ends (the driver aborts the run's signal however the run
 *   ends). A process that ran code is never given to another run: no state, Python's or the JS
 *   runtime's, can pass between runs.
 * - `poolSize` spares are kept started, so a run's first call does not wait for Pyodide to load;
 *   each spare taken is replaced at once. At most `maxProcesses` processes exist (spares and the
 *   runs' own), and one user's runs hold at most `maxProcessesPerUser` of them, so one user
 *   cannot starve the others: a call over either cap waits (first come, first served among those
 *   that may go) until a process frees up, up to the start-up plus call time limits.
 * - A process that timed out, crashed or went past its memory is killed (its run's next call
 *   takes a new spare).
 * - Without bubblewrap the pool starts nothing: every call fails with BUBBLEWRAP_MISSING (the log
 *   says it once, at construction). Python never runs with only the inner walls.
 */
import { randomUUID } from 'node:crypto';
import type { CallReply, CodeCallRequest, FunctionCallRequest } from './protocol.js';
import { sandboxOwnerOf } from './run-owner.js';
import { SandboxFailure, SandboxProcess, treeResidentBytes } from './sandbox-process.js';
import { BUBBLEWRAP_MISSING, findBubblewrap, sandboxSpawnSpec, type SpawnSpec } from './spawn.js';

export interface PythonSandboxOptions {
  /** Spare processes kept started and unused (PYTHON_POOL_SIZE). */
  poolSize: number;
  /** Processes in all, spares and runs' own (PYTHON_MAX_PROCESSES). Default 6. */
  maxProcesses?: number;
  /** Processes one user's runs may hold at once (PYTHON_MAX_PROCESSES_PER_USER). Default 2. */
  maxProcessesPerUser?: number;
  /** Wall-clock limit of one call, in ms (PYTHON_TIMEOUT_S); past it the process is killed. */
  timeoutMs: number;
  /** Cap of Python's heap (the interpreter's WebAssembly memory), in MiB (PYTHON_MEMORY_MB). */
  memoryMb: number;
  /** Longest text a call returns (TOOL_MAX_OUTPUT_CHARS); the rest is cut with a note. */
  maxOutputChars: number;
  /** Wall-clock limit of a process's start-up, in ms. Default 60 s. */
  startTimeoutMs?: number;
  /** Resident memory (MiB) past which a process is killed. Default memoryMb + 256 (the runtime's own). */
  rssLimitMb?: number;
  /** The `bwrap` executable, for an embedder that knows it (the server has no setting: it looks on PATH, /usr/bin, /bin). */
  bwrapPath?: string;
  /** The server log: start-up failures, crashes with the child's stderr, a missing bubblewrap. Never a model. */
  log?: (message: string) => void;
  /** How to start a process; tests use it to start a broken one. Default: sandboxSpawnSpec under bubblewrap. */
  spawnSpec?: SpawnSpec;
}

export type FunctionCall = Omit<FunctionCallRequest, 't' | 'id' | 'session' | 'kind' | 'maxOutputChars'>;

export interface CallContext {
  /** The run's signal: identifies the run (session) and stops the call; its abort ends the run's processes. */
  signal: AbortSignal;
  /** A shorter limit for this call (a code executor's own `timeout`); never above the sandbox's. */
  timeoutMs?: number;
  /** The user the run belongs to. Default: the one recorded for `signal` (run-owner.ts), else one shared "no user". */
  owner?: string;
}

/** Start-up failures in a row after which calls fail at once for a while instead of waiting. */
const START_FAILURES_BEFORE_PAUSE = 3;
const PAUSE_MS = 30_000;
/** The runtime's own resident memory on top of Python's heap (measured ~130–200 MB; see bench). */
const RUNTIME_RSS_MB = 256;
const NO_USER = '';

interface Waiter {
  session: string;
  owner: string;
  resolve(process: SandboxProcess): void;
  reject(error: Error): void;
}

/** A process and whose it is: null while a spare. */
interface Slot {
  process: SandboxProcess;
  session: string | null;
  owner: string | null;
  ready: boolean;
  leased: boolean;
}

export class PythonSandbox {
  readonly options: Required<Omit<PythonSandboxOptions, 'log' | 'spawnSpec' | 'bwrapPath'>> & Pick<PythonSandboxOptions, 'log'>;
  private readonly spec: SpawnSpec | undefined;
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly sessions = new WeakMap<AbortSignal, string>();
  private readonly ended = new Set<string>();
  private started = false;
  private closed = false;
  private startFailures = 0;
  private pausedUntil = 0;
  private lastStartFailure = '';

  constructor(options: PythonSandboxOptions) {
    this.options = {
      startTimeoutMs: 60_000,
      rssLimitMb: options.memoryMb + RUNTIME_RSS_MB,
      maxProcesses: 6,
      maxProcessesPerUser: 2,
      ...options,
    };
    if (options.spawnSpec) this.spec = options.spawnSpec;
    else {
      const bwrap = findBubblewrap(options.bwrapPath);
      this.spec = bwrap ? sandboxSpawnSpec({ memoryMb: options.memoryMb, jsHeapMb: 96 }, bwrap) : undefined;
      if (!bwrap) this.options.log?.(`Python tools: ${BUBBLEWRAP_MISSING}`);
    }
  }

  /** False when bubblewrap is missing: every call fails with BUBBLEWRAP_MISSING. */
  get available(): boolean {
    return this.spec !== undefined;
  }

  /** Starts the pool's spares (once; later calls do nothing). Calls start it too. */
  warm(): void {
    if (this.started || this.closed || !this.spec) return;
    this.started = true;
    this.fill();
  }

  /** Calls a FunctionTool's function; its return value as text, or its exception as an error result. */
  async callFunction(call: FunctionCall, context: CallContext): Promise<{ ok: boolean; text: string }> {
    const reply = await this.run({ t: 'call', kind: 'function', ...call, maxOutputChars: this.options.maxOutputChars }, context);
    if (reply.kind !== 'function') throw new SandboxFailure('crashed', 'the Python sandbox answered a function call with a code result');
    return { ok: reply.ok, text: reply.text };
  }

  /** Runs a code block as a script: its exit code and output (stderr, then stdout). */
  async runCode(code: string, context: CallContext): Promise<{ exitCode: number; output: string }> {
    const reply = await this.run({ t: 'call', kind: 'code', code, maxOutputChars: this.options.maxOutputChars }, context);
    if (reply.kind !== 'code') throw new SandboxFailure('crashed', 'the Python sandbox answered a code block with a function result');
    return { exitCode: reply.exitCode, output: reply.output };
  }

  /** The pool's live processes (the spawned pids), for the bench and the specs. */
  pids(): number[] {
    return this.slots.flatMap((s) => (s.process.pid === undefined || s.process.isDead ? [] : [s.process.pid]));
  }

  /** Resident memory of each live process with everything below it (bubblewrap and Node), in bytes. */
  async residentBytes(): Promise<number[]> {
    const sizes = await Promise.all(this.pids().map((pid) => treeResidentBytes(pid)));
    return sizes.filter((n): n is number => n !== undefined);
  }

  /** Processes held by runs, in all or of one user; spares kept started. */
  counts(owner?: string): { owned: number; spares: number } {
    const owned = this.slots.filter((s) => s.session !== null && (owner === undefined || s.owner === owner)).length;
    return { owned, spares: this.slots.filter((s) => s.session === null).length };
  }

  /** Kills every process; calls in flight fail, later calls are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new SandboxFailure('start', 'the Python sandbox was shut down'));
    await Promise.all(this.slots.map((s) => s.process.close()));
  }

  private async run(
    request: Omit<FunctionCallRequest, 'id' | 'session'> | Omit<CodeCallRequest, 'id' | 'session'>,
    context: CallContext,
  ): Promise<CallReply> {
    if (!this.spec) throw new SandboxFailure('start', BUBBLEWRAP_MISSING);
    // Before any session is recorded: a run that has ended gets none (nothing would ever forget it).
    if (context.signal.aborted) throw new SandboxFailure('aborted', 'the run was stopped before its Python call');
    this.warm();
    const session = this.sessionOf(context.signal);
    const owner = context.owner ?? sandboxOwnerOf(context.signal) ?? NO_USER;
    const process = await this.acquire(session, owner, context.signal);
    try {
      const timeoutMs = Math.min(context.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs);
      return await process.call({ ...request, session } as Omit<FunctionCallRequest, 'id'>, { timeoutMs, signal: context.signal });
    } finally {
      const slot = this.slotOf(process);
      if (slot) slot.leased = false;
      // The run ended during the call: its process goes now.
      if (this.ended.has(session)) void process.close();
      this.dispatch();
    }
  }

  /** The run's session id; the run's end (its signal aborted) kills the processes it used. */
  private sessionOf(signal: AbortSignal): string {
    let session = this.sessions.get(signal);
    if (session === undefined) {
      const id = randomUUID();
      session = id;
      this.sessions.set(signal, id);
      signal.addEventListener('abort', () => this.endSession(id), { once: true });
    }
    return session;
  }

  private endSession(session: string): void {
    this.ended.add(session);
    for (const slot of this.slots) if (slot.session === session && !slot.leased) void slot.process.close();
    // Once its processes are gone nothing refers to the session again.
    if (!this.slots.some((s) => s.session === session)) this.ended.delete(session);
  }

  private acquire(session: string, owner: string, signal: AbortSignal): Promise<SandboxProcess> {
    if (this.closed) return Promise.reject(new SandboxFailure('start', 'the Python sandbox was shut down'));
    if (signal.aborted) return Promise.reject(new SandboxFailure('aborted', 'the run was stopped before its Python call'));
    if (Date.now() < this.pausedUntil) return Promise.reject(this.unavailable());
    const found = this.take(session, owner);
    if (found) return Promise.resolve(found);
    return new Promise<SandboxProcess>((resolve, reject) => {
      // This timer also keeps the event loop alive while the pool starts (the processes do not).
      const limit = this.options.startTimeoutMs + this.options.timeoutMs;
      const timer = setTimeout(
        () => finish(new SandboxFailure('start', `no Python sandbox process was free within ${Math.round(limit / 1000)} s`)),
        limit,
      );
      const onAbort = () => finish(new SandboxFailure('aborted', 'the run was stopped while its Python call waited'));
      const waiter: Waiter = {
        session,
        owner,
        resolve: (process) => finish(undefined, process),
        reject: (error) => finish(error),
      };
      const finish = (error?: Error, process?: SandboxProcess) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        if (process) resolve(process);
        else reject(error ?? new Error('unreachable'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      // A waiter under its caps may need a process beyond the spares.
      this.fill();
    });
  }

  /**
   * Leases a process for a call of `session`: an idle one the run already holds, else (under the
   * user's cap) a ready spare, which becomes the run's. Undefined when none may be had now.
   */
  private take(session: string, owner: string): SandboxProcess | undefined {
    let slot = this.slots.find((s) => s.session === session && s.ready && !s.leased && s.process.isIdle);
    if (!slot && this.heldBy(owner) < this.options.maxProcessesPerUser) {
      slot = this.slots.find((s) => s.session === null && s.ready && s.process.isIdle);
      if (slot) {
        slot.session = session;
        slot.owner = owner;
        // The spare taken is replaced at once.
        this.fill();
      }
    }
    if (!slot) return undefined;
    slot.leased = true;
    return slot.process;
  }

  private heldBy(owner: string): number {
    return this.slots.filter((s) => s.owner === owner && !s.process.isDead).length;
  }

  private slotOf(process: SandboxProcess): Slot | undefined {
    return this.slots.find((s) => s.process === process);
  }

  private dispatch(): void {
    for (const waiter of [...this.waiting]) {
      const process = this.take(waiter.session, waiter.owner);
      if (process) waiter.resolve(process);
    }
  }

  /** Waiters that would take a spare now (under their user's cap, no idle process of their own). */
  private waitersForSpares(): number {
    const wanted = new Map<string, number>();
    let count = 0;
    for (const waiter of this.waiting) {
      if (this.slots.some((s) => s.session === waiter.session)) continue;
      const already = wanted.get(waiter.owner) ?? 0;
      if (this.heldBy(waiter.owner) + already >= this.options.maxProcessesPerUser) continue;
      wanted.set(waiter.owner, already + 1);
      count++;
    }
    return count;
  }

  /** Starts spares up to the pool size (more while calls wait for one), never past maxProcesses. */
  private fill(): void {
    if (this.closed || !this.started || Date.now() < this.pausedUntil) return;
    const target = Math.max(this.options.poolSize, this.waitersForSpares());
    let spares = this.slots.filter((s) => s.session === null).length;
    while (spares < target && this.slots.length < this.options.maxProcesses) {
      this.startOne();
      spares++;
    }
  }

  private startOne(): void {
    if (!this.spec) return;
    const process = new SandboxProcess({
      spec: this.spec,
      startTimeoutMs: this.options.startTimeoutMs,
      rssLimitBytes: this.options.rssLimitMb * 1024 * 1024,
      // JSON may spell a character in up to 6; plus room for the envelope.
      maxLineChars: this.options.maxOutputChars * 6 + 65_536,
      onExit: (reason) => this.onExit(process, reason),
    });
    const slot: Slot = { process, session: null, owner: null, ready: false, leased: false };
    this.slots.push(slot);
    process.ready.then(
      () => {
        slot.ready = true;
        this.startFailures = 0;
        this.dispatch();
      },
      (error: SandboxFailure) => {
        this.startFailures += 1;
        this.lastStartFailure = error.message;
        if (this.startFailures >= START_FAILURES_BEFORE_PAUSE) {
          this.pausedUntil = Date.now() + PAUSE_MS;
          for (const waiter of [...this.waiting]) waiter.reject(this.unavailable());
          // Try again after the pause; nothing waits on this timer.
          setTimeout(() => this.fill(), PAUSE_MS).unref();
        }
      },
    );
  }

  private onExit(process: SandboxProcess, reason: SandboxFailure): void {
    const index = this.slots.findIndex((s) => s.process === process);
    const slot = index >= 0 ? this.slots.splice(index, 1)[0] : undefined;
    // A run's process killed at the run's end, or the pool's shutdown, is no news; anything else is logged.
    const expected = this.closed || (slot?.session != null && this.ended.has(slot.session) && reason.kind !== 'start');
    if (!expected)
      this.options.log?.(`Python sandbox: process ${process.pid ?? '?'} ended: ${reason.message}${reason.detail ? ` (${reason.detail})` : ''}`);
    if (slot?.session != null && this.ended.has(slot.session) && !this.slots.some((s) => s.session === slot.session)) this.ended.delete(slot.session);
    if (!this.closed) {
      this.fill();
      this.dispatch();
    }
  }

  private unavailable(): SandboxFailure {
    return new SandboxFailure('start', 'the Python sandbox is unavailable: its processes fail to start (see the server log)', this.lastStartFailure);
  }
}
