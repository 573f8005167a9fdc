/**
 * One sandbox process seen from the server: start it, send it one call at a time, and kill it
 * when a call runs past its time, its memory goes past the cap, the run stops, or it says
 * anything that is not a well-formed reply. Nothing the child sends is trusted beyond its shape,
 * and nothing it writes on its own (its stderr, a `fatal` message) reaches a model: the failure a
 * tool reports has a fixed text; the child's words go to the server log only.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ChildReplySchema, type CallReply, type CallRequest, type ChildReply } from './protocol.js';
import type { SpawnSpec } from './spawn.js';

export type SandboxFailureKind = 'timeout' | 'memory' | 'crashed' | 'aborted' | 'start';

/** A call that did not get a reply: why, in words a model (and an operator) can act on. */
export class SandboxFailure extends Error {
  constructor(
    readonly kind: SandboxFailureKind,
    message: string,
    /** What the server log gets beyond `message` (the child's stderr tail, its own words); never a model. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'SandboxFailure';
  }
}

/** The fixed texts of a process that died or broke the protocol (the details go to the log). */
const CRASHED = 'the Python sandbox process crashed; the call did not complete';
const FAILED_TO_START = 'the Python sandbox process failed to start';

export interface SandboxProcessOptions {
  spec: SpawnSpec;
  /** Wall-clock limit of the start-up (Pyodide loads in ~3–5 s on a quiet machine). */
  startTimeoutMs: number;
  /** Resident memory past which the process is killed (checked during calls, from /proc). */
  rssLimitBytes: number;
  /** Longest line the child may send; past it the child is killed as broken. */
  maxLineChars: number;
  /** Called once when the process has exited, whatever the reason (the reason's `detail` is for the log). */
  onExit?: (reason: SandboxFailure) => void;
}

type CallInput = Omit<CallRequest, 'id'>;

const STDERR_KEEP = 4096;
const RSS_POLL_MS = 100;
/**
 * Between calls a run's process should be asleep. CPU time it spends then is Python a call left
 * running (an asyncio callback or task it scheduled), which no call's time limit covers: past
 * IDLE_CPU_LIMIT_MS of CPU in one IDLE_POLL_MS window the process is killed, and the run's next
 * call gets a fresh one. Its memory is checked in the same poll.
 */
const IDLE_POLL_MS = 1_000;
const IDLE_CPU_LIMIT_MS = 300;
/** Linux's USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

export class SandboxProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  private nextId = 1;
  private pending: { id: number; resolve(reply: CallReply): void; reject(error: SandboxFailure): void } | undefined;
  private stderrTail = '';
  private buffered = '';
  private deathReason: SandboxFailure | undefined;
  private readonly exited: Promise<void>;
  /** Kills a process that is not ready in time; cleared once it is (a ready process lives as long as its run). */
  private readonly startTimer: NodeJS.Timeout;
  /** The between-calls watch of a run's process (see IDLE_CPU_LIMIT_MS). */
  private idleWatch: NodeJS.Timeout | undefined;
  /** Resolves once the child is ready; rejects if it dies or takes too long first. */
  readonly ready: Promise<void>;
  /** The run (session) this process serves once it has taken a call; it never serves another. */
  session: string | null = null;

  constructor(private readonly options: SandboxProcessOptions) {
    // An empty environment: nothing of the server's (keys, paths, tokens) is in the child.
    this.child = spawn(options.spec.command, options.spec.args, { env: {}, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, detached: false });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    let readyResolve!: () => void;
    let readyReject!: (error: SandboxFailure) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    // A caller that never awaits `ready` must not see an unhandled rejection.
    this.ready.catch(() => undefined);
    const startTimer = (this.startTimer = setTimeout(
      () => this.kill(new SandboxFailure('start', `the Python sandbox did not start within ${options.startTimeoutMs} ms`)),
      options.startTimeoutMs,
    ));
    startTimer.unref();

    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk, readyResolve));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (error) => this.kill(new SandboxFailure('start', FAILED_TO_START, error.message)));
    this.child.once('exit', (code, signal) => {
      clearTimeout(startTimer);
      clearInterval(this.idleWatch);
      const wasStarting = this.state === 'starting';
      this.state = 'dead';
      let reason =
        this.deathReason ??
        new SandboxFailure(wasStarting ? 'start' : 'crashed', wasStarting ? FAILED_TO_START : CRASHED, `${signal ?? `exit code ${code}`}`);
      reason = withStderr(reason, this.stderrTail);
      readyReject(reason);
      this.settle(reason);
      options.onExit?.(reason);
    });
    this.idle();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isIdle(): boolean {
    return this.state === 'idle';
  }

  get isDead(): boolean {
    return this.state === 'dead';
  }

  /** Runs one call. Rejects with a SandboxFailure when the call gets no reply (the process is then dead). */
  async call(input: CallInput, limits: { timeoutMs: number; signal: AbortSignal }): Promise<CallReply> {
    if (this.state !== 'idle') throw new Error(`SandboxProcess.call while ${this.state}`);
    if (this.session !== null && this.session !== input.session) throw new Error('SandboxProcess.call for another run');
    const id = this.nextId++;
    this.state = 'busy';
    this.session = input.session;
    this.busy();
    const reply = new Promise<CallReply>((resolve, reject) => {
      this.pending = { id, resolve, reject };
    });
    const timer = setTimeout(() => {
      this.kill(new SandboxFailure('timeout', `the Python call ran past its time limit of ${formatMs(limits.timeoutMs)} and was stopped`));
    }, limits.timeoutMs);
    const onAbort = () => this.kill(new SandboxFailure('aborted', 'the run was stopped during the Python call'));
    limits.signal.addEventListener('abort', onAbort, { once: true });
    const watchdog = setInterval(() => void this.checkMemory(), RSS_POLL_MS);
    try {
      if (limits.signal.aborted) onAbort();
      else this.write({ ...input, id } as CallRequest);
      const result = await reply;
      // A call that ended just past the cap still leaves an oversized process behind.
      await this.checkMemory();
      // Killed (memory, a stop) after the reply was sent: the call still failed.
      if (this.deathReason) throw this.deathReason;
      return result;
    } finally {
      clearTimeout(timer);
      clearInterval(watchdog);
      limits.signal.removeEventListener('abort', onAbort);
      if (this.state === 'busy') {
        this.state = 'idle';
        this.idle();
      }
    }
  }

  /** Kills the process (SIGKILL: a busy interpreter cannot be asked) and waits for it to go. */
  async close(): Promise<void> {
    // Whoever awaits this keeps the event loop alive until the process is gone.
    if (this.child.exitCode === null && this.child.signalCode === null) this.busy();
    this.kill(new SandboxFailure('crashed', 'the Python sandbox was shut down'));
    await this.exited;
  }

  private kill(reason: SandboxFailure): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.deathReason ??= reason;
    this.child.kill('SIGKILL');
  }

  private write(message: object): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private onData(chunk: string, onReady: () => void): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.onLine(line, onReady);
    }
    if (this.buffered.length > this.options.maxLineChars) {
      this.kill(new SandboxFailure('crashed', CRASHED, 'it sent an oversized reply'));
    }
  }

  private onLine(line: string, onReady: () => void): void {
    let message: ChildReply;
    try {
      message = ChildReplySchema.parse(JSON.parse(line));
    } catch {
      this.kill(new SandboxFailure('crashed', CRASHED, `it sent a malformed reply: ${line.slice(0, 200)}`));
      return;
    }
    switch (message.t) {
      case 'ready':
        // Said once, at start-up; said again it is a child that no longer speaks our protocol.
        if (this.state !== 'starting') {
          this.kill(new SandboxFailure('crashed', CRASHED, 'it said ready again'));
          return;
        }
        clearTimeout(this.startTimer);
        this.state = 'idle';
        onReady();
        return;
      case 'fatal': {
        const starting = this.state === 'starting';
        this.kill(new SandboxFailure(starting ? 'start' : 'crashed', starting ? FAILED_TO_START : CRASHED, message.message.slice(0, 2000)));
        return;
      }
      case 'result': {
        const pending = this.pending;
        if (!pending || pending.id !== message.id) {
          this.kill(new SandboxFailure('crashed', CRASHED, 'it replied to a call it was not given'));
          return;
        }
        this.pending = undefined;
        pending.resolve(message);
        return;
      }
    }
  }

  private settle(reason: SandboxFailure): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(reason);
  }

  /** Kills the process when its resident memory is past the cap (Linux; elsewhere V8's caps alone). */
  private async checkMemory(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.state === 'dead') return;
    const rss = await treeResidentBytes(pid);
    if (rss !== undefined && rss > this.options.rssLimitBytes) {
      this.kill(
        new SandboxFailure(
          'memory',
          `the Python call went past the sandbox's memory limit (${Math.round(this.options.rssLimitBytes / 1048576)} MB) and was stopped`,
        ),
      );
    }
  }

  // An idle process must not keep the server (or a CLI run) alive; a busy one has its timer.
  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    this.watchIdle();
  }

  /** Kills a run's process that burns CPU (or grows past its memory cap) between calls; a spare has run nothing and is not watched. */
  private watchIdle(): void {
    clearInterval(this.idleWatch);
    const pid = this.child.pid;
    if (this.session === null || pid === undefined) return;
    let last: number | undefined;
    this.idleWatch = setInterval(() => {
      void treeCpuMs(pid).then(async (cpu) => {
        if (cpu === undefined || this.state !== 'idle') return;
        if (last !== undefined && cpu - last > IDLE_CPU_LIMIT_MS) {
          const detail = `it used ${cpu - last} ms of CPU in ${IDLE_POLL_MS} ms between calls (Python a call left running)`;
          return this.kill(new SandboxFailure('crashed', CRASHED, detail));
        }
        last = cpu;
        await this.checkMemory();
      });
    }, IDLE_POLL_MS);
    this.idleWatch.unref();
  }

  private busy(): void {
    clearInterval(this.idleWatch);
    this.child.ref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { ref?: () => void }).ref?.();
  }
}

/** A failure with the child's stderr tail added to its log detail (the model never sees either). */
function withStderr(reason: SandboxFailure, stderrTail: string): SandboxFailure {
  const tail = stderrTail.trim().split('\n').slice(-5).join(' | ').slice(-1000);
  if (!tail) return reason;
  return new SandboxFailure(reason.kind, reason.message, [reason.detail, `stderr: ${tail}`].filter(Boolean).join('; '));
}

/**
 * VmRSS of a process and all its descendants, in bytes: the spawned process is bubblewrap, and
 * Node runs below it (bwrap → node, which is pid 1 of its namespace: --as-pid-1). Undefined where
 * /proc is not there.
 */
export async function treeResidentBytes(pid: number): Promise<number | undefined> {
  const own = await residentBytes(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of await childrenOf(pid)) total += (await treeResidentBytes(child)) ?? 0;
  return total;
}

/** CPU time (user + system, ms) of a process and all its descendants; undefined where /proc is not there. */
export async function treeCpuMs(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let total = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  for (const child of await childrenOf(pid)) total += (await treeCpuMs(child)) ?? 0;
  return total;
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS of a process from /proc, in bytes; undefined where /proc is not there. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
