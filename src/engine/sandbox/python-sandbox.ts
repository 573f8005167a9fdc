/**
 * The pool of sandbox processes that Python tools run in (README, "Python tools: the sandbox").
 *
 * - `poolSize` processes are kept started, so a call does not pay Pyodide's start-up; a process
 *   that timed out, crashed, went past its memory or was stopped with its run is replaced.
 * - A run is a session, keyed by the run's AbortSignal (ToolContext.signal): its calls go back to
 *   the process that already holds its interpreter. A process whose interpreter ran another
 *   session's code restores a fresh one from its start-up snapshot first, and a run's end (the
 *   driver aborts the run's signal when the run ends, however it ends) has its process do that
 *   at once, while idle. So no state of one run is ever seen by another.
 */
import { randomUUID } from 'node:crypto';
import type { CallReply, CodeCallRequest, FunctionCallRequest } from './protocol.js';
import { SandboxFailure, SandboxProcess } from './sandbox-process.js';
import { sandboxSpawnSpec, type SpawnSpec } from './spawn.js';

export interface PythonSandboxOptions {
  /** Processes kept started (PYTHON_POOL_SIZE). */
  poolSize: number;
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
  /** Where start-up failures are reported (they also fail the calls that waited). */
  log?: (message: string) => void;
  /** How to start a process; tests use it to start a broken one. Default: sandboxSpawnSpec. */
  spawnSpec?: SpawnSpec;
}

export type FunctionCall = Omit<FunctionCallRequest, 't' | 'id' | 'session' | 'kind' | 'maxOutputChars'>;

export interface CallContext {
  /** The run's signal: identifies the run (session) and stops the call. */
  signal: AbortSignal;
  /** A shorter limit for this call (a code executor's own `timeout`); never above the sandbox's. */
  timeoutMs?: number;
}

/** Start-up failures in a row after which calls fail at once for a while instead of waiting. */
const START_FAILURES_BEFORE_PAUSE = 3;
const PAUSE_MS = 30_000;
/** The runtime's own resident memory on top of Python's heap (measured ~130–200 MB; see bench). */
const RUNTIME_RSS_MB = 256;

interface Waiter {
  session: string;
  resolve(process: SandboxProcess): void;
  reject(error: Error): void;
}

export class PythonSandbox {
  readonly options: Required<Omit<PythonSandboxOptions, 'log' | 'spawnSpec'>> & Pick<PythonSandboxOptions, 'log'>;
  private readonly spec: SpawnSpec;
  private readonly processes: SandboxProcess[] = [];
  private readonly leased = new Set<SandboxProcess>();
  private readonly waiting: Waiter[] = [];
  private readonly sessions = new WeakMap<AbortSignal, string>();
  private started = false;
  private closed = false;
  private startFailures = 0;
  private pausedUntil = 0;
  private lastStartFailure = '';

  constructor(options: PythonSandboxOptions) {
    this.options = { startTimeoutMs: 60_000, rssLimitMb: options.memoryMb + RUNTIME_RSS_MB, ...options };
    this.spec = options.spawnSpec ?? sandboxSpawnSpec({ memoryMb: options.memoryMb, jsHeapMb: 96 });
  }

  /** Starts the pool's processes (once; later calls do nothing). Calls start it too. */
  warm(): void {
    if (this.started || this.closed) return;
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

  /** The pool's processes, for the bench and the specs. */
  pids(): number[] {
    return this.processes.flatMap((p) => (p.pid === undefined || p.isDead ? [] : [p.pid]));
  }

  /** Kills every process; calls in flight fail, later calls are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new SandboxFailure('start', 'the Python sandbox was shut down'));
    await Promise.all(this.processes.map((p) => p.close()));
  }

  private async run(
    request: Omit<FunctionCallRequest, 'id' | 'session'> | Omit<CodeCallRequest, 'id' | 'session'>,
    context: CallContext,
  ): Promise<CallReply> {
    this.warm();
    const session = this.sessionOf(context.signal);
    const process = await this.acquire(session, context.signal);
    try {
      const timeoutMs = Math.min(context.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs);
      return await process.call({ ...request, session } as Omit<FunctionCallRequest, 'id'>, { timeoutMs, signal: context.signal });
    } finally {
      this.leased.delete(process);
      if (context.signal.aborted) process.reset();
      this.dispatch();
    }
  }

  /** The run's session id; the run's end (its signal aborted) has its process drop that interpreter. */
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
    for (const process of this.processes) if (process.session === session && process.isIdle && !this.leased.has(process)) process.reset();
  }

  private acquire(session: string, signal: AbortSignal): Promise<SandboxProcess> {
    if (this.closed) return Promise.reject(new SandboxFailure('start', 'the Python sandbox was shut down'));
    if (Date.now() < this.pausedUntil) return Promise.reject(this.unavailable());
    const found = this.pick(session);
    if (found) {
      this.leased.add(found);
      return Promise.resolve(found);
    }
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
    });
  }

  /** An idle process for `session`: the one holding its interpreter, else a fresh one, else any. */
  private pick(session: string): SandboxProcess | undefined {
    const free = this.processes.filter((p) => p.isIdle && !this.leased.has(p));
    return free.find((p) => p.session === session) ?? free.find((p) => p.session === null) ?? free[0];
  }

  private dispatch(): void {
    for (const waiter of [...this.waiting]) {
      const process = this.pick(waiter.session);
      if (!process) return;
      this.leased.add(process);
      waiter.resolve(process);
    }
  }

  private fill(): void {
    if (this.closed || Date.now() < this.pausedUntil) return;
    while (this.processes.length < this.options.poolSize) this.startOne();
  }

  private startOne(): void {
    const process = new SandboxProcess({
      spec: this.spec,
      startTimeoutMs: this.options.startTimeoutMs,
      rssLimitBytes: this.options.rssLimitMb * 1024 * 1024,
      // JSON may spell a character in up to 6; plus room for the envelope.
      maxLineChars: this.options.maxOutputChars * 6 + 65_536,
      onExit: () => this.onExit(process),
    });
    this.processes.push(process);
    process.ready.then(
      () => {
        this.startFailures = 0;
        this.dispatch();
      },
      (error: Error) => {
        this.startFailures += 1;
        this.lastStartFailure = error.message;
        this.options.log?.(`Python sandbox: ${error.message}`);
        if (this.startFailures >= START_FAILURES_BEFORE_PAUSE) {
          this.pausedUntil = Date.now() + PAUSE_MS;
          for (const waiter of [...this.waiting]) waiter.reject(this.unavailable());
          // Try again after the pause; nothing waits on this timer.
          setTimeout(() => this.fill(), PAUSE_MS).unref();
        }
      },
    );
  }

  private onExit(process: SandboxProcess): void {
    const index = this.processes.indexOf(process);
    if (index >= 0) this.processes.splice(index, 1);
    this.leased.delete(process);
    if (!this.closed) this.fill();
  }

  private unavailable(): SandboxFailure {
    return new SandboxFailure('start', `the Python sandbox is unavailable: ${this.lastStartFailure || 'its processes fail to start'}`);
  }
}
