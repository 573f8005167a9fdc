/**
 * One `/ws/chat` connection (protocol §2.8), the AG2 style of client: the first text frame is a
 * task for the configured team; every event comes back as one human-readable text frame; while
 * the team waits for a human, the next text frame is the answer. Closing the socket cancels the
 * run (this client has no replay). After `Done: …` the next text frame starts a new run.
 */
import type { Logger } from '@nestjs/common';
import {
  CancelledError,
  cancelledFrom,
  isTaskResult,
  RunStateError,
  throwIfAborted,
  type InputOptions,
  type IOStream,
  type Team,
} from '../engine/index.js';
import type { ChatTeam } from './chat-teams.js';
import { eventText } from './event-text.js';

/** The socket as this class needs it: send text, quietly nothing once closed. */
export interface TextChannel {
  send(text: string): void;
}

export type IncomingFrame = { kind: 'text'; text: string } | { kind: 'binary' };

interface Running {
  kind: 'running';
  controller: AbortController;
  /** Set while a UserProxyAgent waits; the next text frame resolves it. */
  input: ((answer: string) => void) | null;
}
type State = { kind: 'idle' } | Running;

export interface ChatSocketOptions {
  /** How long a human may take to answer before the run is stopped. */
  inputTimeoutS: number;
  /** The longest task accepted (MAX_TASK_CHARS, as on the run socket). */
  maxTaskChars: number;
  /** Takes a live-run slot (MAX_LIVE_RUNS…) or throws; returns its release function. */
  takeSlot: () => () => void;
}

export const NO_INPUT_PENDING =
  'Error: a run is in progress and no input was asked for; wait for a prompt, or for "Done: …" before sending a new task';

export class ChatSocket implements IOStream {
  private state: State = { kind: 'idle' };
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly channel: TextChannel,
    private readonly team: ChatTeam,
    private readonly options: ChatSocketOptions,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
  ) {}

  receive(frame: IncomingFrame): void {
    switch (frame.kind) {
      case 'binary':
        return this.channel.send('Error: send text frames only');
      case 'text':
        if (this.state.kind === 'idle') return this.start(frame.text);
        if (this.state.input) return this.state.input(frame.text);
        return this.channel.send(NO_INPUT_PENDING);
    }
  }

  /** The socket closed (or the server is shutting down): cancel the run, if any. */
  close(reason = 'Socket closed'): void {
    if (this.state.kind === 'running') this.state.controller.abort(reason);
  }

  /** Settles when the current run, if any, has ended. */
  settled(): Promise<void> {
    return this.current;
  }

  /** Text output has no place here: the events already say everything. */
  print(): void {}

  send(): void {}

  /** Sends the prompt as a text frame and waits for the next one (bounded by the input timeout). */
  input(prompt: string, options: InputOptions = {}): Promise<string> {
    const state = this.state;
    if (state.kind !== 'running') return Promise.reject(new RunStateError('No run is waiting for input'));
    const signal = options.signal ?? state.controller.signal;
    throwIfAborted(signal);
    const timeoutS = this.options.inputTimeoutS;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => state.controller.abort(`Input timeout after ${timeoutS} seconds`), timeoutS * 1000);
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        state.input = null;
      };
      const onAbort = () => (settle(), reject(cancelledFrom(signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      state.input = (answer) => (settle(), resolve(answer));
      this.channel.send(prompt);
    });
  }

  private start(task: string): void {
    if (task.trim() === '') return this.channel.send('Error: the task is empty; send the task as a text frame');
    if (task.length > this.options.maxTaskChars) {
      return this.channel.send(`Error: the task is longer than ${this.options.maxTaskChars} characters (MAX_TASK_CHARS)`);
    }
    let release: () => void;
    try {
      release = this.options.takeSlot();
    } catch (error) {
      return this.channel.send(`Error: ${error instanceof Error ? error.message : String(error)}`);
    }
    const running: Running = { kind: 'running', controller: new AbortController(), input: null };
    this.state = running;
    this.current = this.execute(task, running)
      .catch((error: unknown) => this.logger.error(`/ws/chat run failed unexpectedly: ${String(error)}`))
      .finally(() => {
        release();
        this.state = { kind: 'idle' };
      });
  }

  /** Runs the team to its end; every outcome becomes a text frame, nothing is thrown. */
  private async execute(task: string, running: Running): Promise<void> {
    const { signal } = running.controller;
    let team: Team | undefined;
    try {
      team = this.team.load();
      for await (const item of team.runStream(task, { signal, io: this })) {
        if (isTaskResult(item)) {
          this.channel.send(`Done: ${item.stop_reason ?? 'the team stopped'}`);
          continue;
        }
        const text = eventText(item);
        if (text !== null) this.channel.send(text);
      }
    } catch (error) {
      if (signal.aborted || error instanceof CancelledError) this.channel.send(`Stopped: ${cancelledFrom(signal).reason}`);
      else this.channel.send(`Error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await team?.close().catch((error: unknown) => this.logger.warn(`Closing the /ws/chat team: ${String(error)}`));
    }
  }
}
