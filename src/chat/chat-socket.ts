/**
 * One `/ws/chat` connection (protocol §2.8), the AG2 style of client: the first text frame is a
 * task for the configured team; every event comes back as one human-readable text frame; while
 * the team waits for a human, the next text frame is the answer. Closing the socket stops the
 * run (this client has no replay). After `Done: …` the next text frame starts a new run.
 * The run itself is the run driver's; this class is its text adapter and its IOStream.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { describeError } from '../common/errors.js';
import {
  cancelledFrom,
  RunStateError,
  throwIfAborted,
  type InputOptions,
  type IOStream,
  type LoadContext,
  type RunOutcome,
} from '../engine/index.js';
import type { LiveRunClaim, LiveRunRegistry } from '../live-runs/live-run-registry.js';
import type { ObservedRuns } from '../observability/observed-runs.js';
import type { ChatTeam } from './chat-teams.js';
import { eventText } from './event-text.js';

/** The socket as this class needs it: send text, quietly nothing once closed. */
export interface TextChannel {
  send(text: string): void;
}

export type IncomingFrame = { kind: 'text'; text: string } | { kind: 'binary' };

/**
 * What a received frame was, for its frame span: `task` (a new run), `input` (the answer to a
 * prompt), `text` (neither: refused) or `binary` (refused); `refusal` is the error kind when the
 * frame was refused with an `Error: …` frame (`bad_request`, or the registry's `too_many`…).
 */
export interface ReceivedFrame {
  type: 'task' | 'input' | 'text' | 'binary';
  refusal?: string;
}

interface Running {
  kind: 'running';
  claim: LiveRunClaim;
  /** Set while a UserProxyAgent waits; the next text frame resolves it. */
  input: ((answer: string) => void) | null;
}
/** A task was accepted and its claim is being admitted (across the cluster: a Redis round trip). */
interface Claiming {
  kind: 'claiming';
  /** Set when the socket closes meanwhile: the claim is then given back unrun. */
  closed: boolean;
}
type State = { kind: 'idle' } | Claiming | Running;

export interface ChatSocketOptions {
  /** Who is connected: the live-run limits are counted per user. */
  userId: string;
  /** The longest task accepted (MAX_TASK_CHARS, as on the run socket). */
  maxTaskChars: number;
  /** The engine context of this user's runs (their settings environment); absent: the server's. */
  context?: () => Promise<LoadContext>;
}

export const NO_INPUT_PENDING =
  'Error: a run is in progress and no input was asked for; wait for a prompt, or for "Done: …" before sending a new task';

/** The last text frame of a run: `Done: <stop reason>`, `Stopped: <reason>` or `Error: <text>`. */
export function outcomeText(outcome: RunOutcome): string {
  switch (outcome.status) {
    case 'complete':
      return `Done: ${outcome.stopReason ?? 'the team stopped'}`;
    case 'stopped':
      return `Stopped: ${outcome.stopReason}`;
    case 'error':
      return `Error: ${outcome.stopReason}`;
  }
}

export class ChatSocket implements IOStream {
  private state: State = { kind: 'idle' };
  private current: Promise<void> = Promise.resolve();
  /** One registry key per connection: a connection runs one task at a time. */
  private readonly key = `ws-chat:${randomUUID()}`;

  constructor(
    private readonly channel: TextChannel,
    private readonly team: ChatTeam,
    private readonly registry: Pick<LiveRunRegistry, 'claim'>,
    private readonly runs: Pick<ObservedRuns, 'drive'>,
    private readonly options: ChatSocketOptions,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
  ) {}

  /**
   * Handles one client frame. A task's answer is a promise, settled once its run is admitted or
   * refused (admission may ask the cluster), so the frame's span covers that decision.
   */
  receive(frame: IncomingFrame): ReceivedFrame | Promise<ReceivedFrame> {
    switch (frame.kind) {
      case 'binary':
        return this.refuse('binary', 'Error: send text frames only');
      case 'text':
        // As everywhere else a client's text reaches storage: U+0000 is refused (PostgreSQL cannot store it).
        if (frame.text.includes('\u0000')) return this.refuse('text', 'Error: the text contains a NUL character (U+0000)');
        if (this.state.kind === 'idle') return this.start(frame.text);
        if (this.state.kind === 'running' && this.state.input) {
          this.state.input(frame.text);
          return { type: 'input' };
        }
        return this.refuse('text', NO_INPUT_PENDING);
    }
  }

  private refuse(type: ReceivedFrame['type'], text: string, kind = 'bad_request'): ReceivedFrame {
    this.channel.send(text);
    return { type, refusal: kind };
  }

  /** The socket closed: stop the run, if any. */
  close(reason = 'Socket closed'): void {
    if (this.state.kind === 'running') this.state.claim.stop(reason);
    else if (this.state.kind === 'claiming') this.state.closed = true;
  }

  /** Settles when the current run, if any, has ended. */
  settled(): Promise<void> {
    return this.current;
  }

  /** Text output has no place here: the events already say everything. */
  print(): void {}

  send(): void {}

  /** Sends the prompt as a text frame and waits for the next one; the driver bounds the wait. */
  input(prompt: string, options: InputOptions = {}): Promise<string> {
    const state = this.state;
    if (state.kind !== 'running') return Promise.reject(new RunStateError('No run is waiting for input'));
    const signal = options.signal ?? state.claim.signal;
    throwIfAborted(signal);
    return new Promise<string>((resolve, reject) => {
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        state.input = null;
      };
      const onAbort = () => (settle(), reject(cancelledFrom(signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      state.input = (answer) => (settle(), resolve(answer));
      this.channel.send(prompt);
    });
  }

  private start(task: string): ReceivedFrame | Promise<ReceivedFrame> {
    if (task.trim() === '') return this.refuse('task', 'Error: the task is empty; send the task as a text frame');
    if (task.length > this.options.maxTaskChars) {
      return this.refuse('task', `Error: the task is longer than ${this.options.maxTaskChars} characters (MAX_TASK_CHARS)`);
    }
    // From here until the run ends the socket is busy: a second task is refused (NO_INPUT_PENDING).
    const claiming: Claiming = { kind: 'claiming', closed: false };
    this.state = claiming;
    let decided!: (frame: ReceivedFrame) => void;
    const decision = new Promise<ReceivedFrame>((resolve) => (decided = resolve));
    this.current = this.claimAndRun(task, claiming, decided);
    return decision;
  }

  /** Claims the run, tells `decided` whether it was admitted, then runs it to its end. */
  private async claimAndRun(task: string, claiming: Claiming, decided: (frame: ReceivedFrame) => void): Promise<void> {
    let claim: LiveRunClaim;
    try {
      claim = await this.registry.claim(this.key, this.options.userId);
    } catch (error) {
      this.state = { kind: 'idle' };
      const { kind, message } = describeError(error);
      return void decided(this.refuse('task', `Error: ${message}`, kind));
    }
    decided({ type: 'task' });
    if (claiming.closed) {
      // Nobody is left to read the run: give the claim back without running it.
      this.state = { kind: 'idle' };
      return claim.release();
    }
    const running: Running = { kind: 'running', claim, input: null };
    this.state = running;
    // Idle as soon as the run's last frame is out, not after the claim's release reaches Redis:
    // the next task may follow `Done: …` at once (the registry frees the key here synchronously).
    const body = () =>
      this.execute(task, running).finally(() => {
        this.state = { kind: 'idle' };
      });
    await claim.run(body).catch((error: unknown) => this.logger.error(`/ws/chat run failed unexpectedly: ${String(error)}`));
  }

  /** Drives the team to its end; every event and the outcome become text frames. */
  private async execute(task: string, running: Running): Promise<void> {
    const load = async () => this.team.load(await this.options.context?.());
    // The connection is the runs' session (`session.id` on each run span).
    const telemetry = { sessionId: this.key, teamLabel: this.team.label };
    for await (const event of this.runs.drive(running.claim, 'ws_chat', load, task, { io: this, telemetry })) {
      if (event.type === 'outcome') {
        if (event.outcome.status === 'error') this.logger.warn(`/ws/chat run failed: ${event.outcome.stopReason}`);
        this.channel.send(outcomeText(event.outcome));
        continue;
      }
      const text = eventText(event.message);
      if (text !== null) this.channel.send(text);
    }
  }
}
