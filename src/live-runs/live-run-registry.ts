/**
 * Every run live in this process, whichever front end started it (the run socket, /ws/chat,
 * /chat/completions, /api/validate/test): one place that admits a run (its key, decided once and
 * atomically, and a slot under MAX_LIVE_RUNS / MAX_LIVE_RUNS_PER_USER), stops it, and drains
 * them all at shutdown. The registry does not know what a run does: the front end hands it the
 * body, which drives the team with the claim's signal and limits.
 *
 * Admission has two parts: this process's, decided synchronously (so two concurrent claims of
 * one key never both get past it), then the RunAdmission's (run-admission.ts), which in cluster
 * mode holds the key and counts the user's runs across every instance (README, Limits).
 */
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import { setSandboxOwner, type DriveLimits } from '../engine/index.js';
import { RUN_ADMISSION, type AdmissionHold, type RunAdmission } from './run-admission.js';
import { RunSlots, type SlotLimits } from './run-slots.js';

export const LIVE_RUN_OPTIONS = Symbol('LIVE_RUN_OPTIONS');

export interface LiveRunOptions extends SlotLimits {
  /** The server's caps for every run (RUN_INPUT_TIMEOUT_S, RUN_MAX_TURNS, RUN_MAX_SECONDS). */
  limits: Required<DriveLimits>;
}

/** The stop reason every live run gets when the process shuts down gracefully (protocol §2.4). */
export const SHUTDOWN_REASON = 'Server shutdown';

/** What a run belongs to, so that deleting it can stop the run first. */
export interface RunScope {
  sessionId?: number;
  teamId?: number;
}

export interface ClaimOptions {
  /** The conflict's text when the key is already live (default: `<key> is already running`). */
  conflictMessage?: string;
  scope?: RunScope;
}

/** An admitted run: its key and slot are held until `release`, or until the body given to `run`/`launch` settles. */
export interface LiveRunClaim {
  readonly key: string;
  readonly userId: string;
  readonly scope: RunScope;
  /** Aborted by `stop`, the registry's `stop(key)` or shutdown; its reason is the stop reason. */
  readonly signal: AbortSignal;
  /** The server's run caps, to pass to driveTeam (a front end may narrow the input timeout). */
  readonly limits: Required<DriveLimits>;
  /**
   * Runs the body as this claim's run and resolves or rejects like it, once the claim has been
   * released (in cluster mode: once the key is free on every instance, so a client that saw the
   * end can start the next run anywhere).
   */
  run<T>(body: () => Promise<T>): Promise<T>;
  /** `run` in the background: a rejection is logged (the body is expected to report its own failures). */
  launch(body: () => Promise<void>): void;
  /** Aborts the run with `reason` (the first reason wins). */
  stop(reason: string): void;
  /**
   * Gives the key and slot back without running (e.g. the database refused to activate the run).
   * The key is free in this process at once, across the cluster one Redis round trip later.
   */
  release(): void;
}

interface Entry {
  claim: LiveRunClaim;
  /** Resolves when the claim is given back: its body has settled, or it was released unrun. */
  done: Promise<void>;
}

@Injectable()
export class LiveRunRegistry implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveRunRegistry.name);
  private readonly live = new Map<string, Entry>();
  private readonly slots: RunSlots;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    @Inject(LIVE_RUN_OPTIONS) private readonly options: LiveRunOptions,
    @Inject(RUN_ADMISSION) private readonly admission: RunAdmission,
  ) {
    this.slots = new RunSlots(options);
  }

  /**
   * Admits a run under `key` for `userId`. This process's part is decided synchronously, before
   * the first await, so two concurrent claims of one key cannot both succeed; then the
   * RunAdmission's (across the cluster in cluster mode). Rejects with AppError `conflict` (with
   * `conflictMessage`) when the key is live here or on another instance, `too_many` over
   * MAX_LIVE_RUNS (this process) or MAX_LIVE_RUNS_PER_USER (the cluster), `unavailable` while
   * shutting down or when the cluster's coordination does not answer. A refused claim holds nothing.
   */
  async claim(key: string, userId: string, options: ClaimOptions = {}): Promise<LiveRunClaim> {
    if (this.shuttingDown) throw new AppError('unavailable', 'The server is shutting down; start the run again when it is back');
    const conflictMessage = options.conflictMessage ?? `${key} is already running`;
    if (this.live.has(key)) throw new AppError('conflict', conflictMessage);
    const releaseSlot = this.slots.acquire(userId);
    const controller = new AbortController();
    let hold: AdmissionHold | undefined;
    let released: Promise<void> | undefined;
    let settle!: () => void;
    // A claim still being admitted or prepared (e.g. its run being activated in the database) is
    // waited for too: stop and shutdown resolve only once it has run to its end or been released.
    const done = new Promise<void>((resolve) => (settle = resolve));
    const release = (): Promise<void> => {
      if (released) return released;
      releaseSlot();
      if (this.live.get(key)?.claim === claim) this.live.delete(key);
      released = (hold ? hold.release() : Promise.resolve()).then(settle);
      return released;
    };
    // The run's signal is the user's: the Python sandbox counts its processes against
    // PYTHON_MAX_PROCESSES_PER_USER, with no user id threaded through the engine.
    setSandboxOwner(controller.signal, userId);
    const run = <T>(body: () => Promise<T>): Promise<T> => (async () => body())().finally(release);
    const claim: LiveRunClaim = {
      key,
      userId,
      scope: options.scope ?? {},
      signal: controller.signal,
      limits: this.options.limits,
      run,
      launch: (body) => {
        // `live_run` is the registry key (`run:7`, `validate:…`), not a `run_id`: only run lines carry that.
        run(body).catch((error: unknown) => this.logger.error({ msg: `Run failed outside its own reporting: ${String(error)}`, live_run: key }));
      },
      stop: (reason) => {
        if (!controller.signal.aborted) controller.abort(reason);
      },
      release: () => void release(),
    };
    this.live.set(key, { claim, done });
    try {
      hold = await this.admission.admit({ key, userId, maxLiveRunsPerUser: this.options.maxLiveRunsPerUser, conflictMessage });
    } catch (error) {
      await release();
      throw error;
    }
    return claim;
  }

  isLive(key: string): boolean {
    return this.live.has(key);
  }

  /**
   * Stops the run under `key` with `reason` and resolves once its body has settled (its
   * terminal frame written, for a run socket run). False when no run is live under `key`.
   */
  async stop(key: string, reason: string): Promise<boolean> {
    const entry = this.live.get(key);
    if (!entry) return false;
    entry.claim.stop(reason);
    await entry.done;
    return true;
  }

  /**
   * Stops every live run of a session or team (each field given must match) with `reason`, and
   * resolves with how many once all have ended: what a delete does before the rows go.
   */
  async stopScope(scope: RunScope, reason: string): Promise<number> {
    const matches = (claim: LiveRunClaim) =>
      (scope.sessionId === undefined || claim.scope.sessionId === scope.sessionId) &&
      (scope.teamId === undefined || claim.scope.teamId === scope.teamId);
    const entries = [...this.live.values()].filter((entry) => matches(entry.claim));
    for (const entry of entries) entry.claim.stop(reason);
    await Promise.all(entries.map((entry) => entry.done));
    return entries.length;
  }

  /** Live runs now: in total, or of one user. */
  count(userId?: string): number {
    return this.slots.count(userId);
  }

  /**
   * Refuses new runs, stops every live one with SHUTDOWN_REASON and resolves when all have
   * ended. Idempotent: every caller (each front end's own shutdown hook) waits for the same drain.
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      const entries = [...this.live.values()];
      for (const entry of entries) entry.claim.stop(SHUTDOWN_REASON);
      await Promise.all(entries.map((entry) => entry.done));
    })();
    return this.shuttingDown;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.shutdown();
  }
}
