/**
 * What every group chat shares (AgentChat's BaseGroupChat and its manager): the run loop, the
 * per-agent buffers, termination, max_turns and the one-run-at-a-time rule. Subclasses only
 * choose who speaks next.
 */
import { ConfigError, RunStateError, cancelledFrom, throwIfAborted } from '../errors.js';
import { createMessage, isChatMessage, isRecordedMessage, type AgentMessage, type ChatMessage, type TaskResult } from '../messages.js';
import { isResponse, type ChatAgent, type Response } from '../agents/chat-agent.js';
import { dumpComponent } from '../components/dump.js';
import type { TerminationCondition } from '../conditions/termination-condition.js';
import { TeamStateSchema, type AgentState, type TeamState } from '../state.js';
import type { RunOptions, TaskInput, Team, TeamStreamItem } from './team.js';
import { raceAbort } from './abort.js';
import { traceAgentTurn } from '../telemetry/index.js';
import { dumpParticipant, TeamParticipant } from './team-participant.js';

export interface GroupChatOptions {
  /** Agents, and teams wrapped in TeamParticipant (AgentChat: a Team can be a participant). */
  participants: readonly ChatAgent[];
  /** The team's name as a participant of another team (AgentChat: DEFAULT_NAME, the class name). */
  name?: string;
  /** The team's description as a participant of another team (AgentChat: "A team of agents."). */
  description?: string;
  terminationCondition?: TerminationCondition;
  /** Stop after this many agent turns in one run. */
  maxTurns?: number | null;
  /** Also emit a SelectSpeakerEvent before each turn. */
  emitTeamEvents?: boolean;
}

export abstract class BaseGroupChat implements Team {
  readonly componentType = 'team' as const;
  abstract readonly provider: string;
  readonly participants: readonly ChatAgent[];
  readonly name: string;
  readonly description: string;
  /** Whether name / description were given in the config (dumped back only then, for exact round-trips). */
  private readonly namedInConfig: { name: boolean; description: boolean };
  protected readonly termination: TerminationCondition | undefined;
  protected readonly maxTurns: number | null;
  protected readonly emitTeamEvents: boolean;
  /** Everything said and done so far (no chunks), across runs until reset. */
  protected thread: AgentMessage[] = [];
  protected previousSpeaker: string | undefined;
  /** What the manager said while choosing (a streaming selector's SelectorEvent); streamed with emit_team_events. */
  protected selectionEvents: AgentMessage[] = [];
  private buffers = new Map<string, ChatMessage[]>();
  private running = false;

  constructor(options: GroupChatOptions) {
    if (options.participants.length === 0) throw new ConfigError('config.participants', 'a team needs at least one participant');
    const seen = new Set<string>();
    options.participants.forEach((p, i) => {
      if (seen.has(p.name))
        throw new ConfigError(`config.participants[${i}].config.name`, `participant names must be unique; "${p.name}" is used twice`);
      seen.add(p.name);
    });
    if (options.maxTurns != null && (!Number.isInteger(options.maxTurns) || options.maxTurns < 1)) {
      throw new ConfigError('config.max_turns', 'must be a positive integer');
    }
    this.participants = options.participants;
    this.name = options.name ?? this.constructor.name;
    this.description = options.description ?? 'A team of agents.';
    this.namedInConfig = { name: options.name !== undefined, description: options.description !== undefined };
    this.termination = options.terminationCondition;
    this.maxTurns = options.maxTurns ?? null;
    this.emitTeamEvents = options.emitTeamEvents ?? false;
    this.clearBuffers();
  }

  /** Who speaks next. `thread` holds every message and event so far. */
  protected abstract selectSpeaker(thread: readonly AgentMessage[], signal: AbortSignal): Promise<string>;

  /**
   * Who speak next, all at once (AgentChat's select_speaker may return several: GraphFlow's
   * fan-out). They run concurrently; the team waits for all of them before selecting again.
   */
  protected async selectSpeakers(thread: readonly AgentMessage[], signal: AbortSignal): Promise<string[]> {
    return [await this.selectSpeaker(thread, signal)];
  }

  /** Called after a speaker's turn is added to the thread (GraphFlow moves along its edges here). */
  protected afterTurn(_speaker: string, _delta: readonly AgentMessage[]): void {}

  /**
   * A stop reason of the team's own, checked after every round before the termination condition
   * (GraphFlow: "Digraph execution is complete" when no node is ready). Null: go on.
   */
  protected ownStopReason(): string | null {
    return null;
  }

  async *runStream(task?: TaskInput, options: RunOptions = {}): AsyncGenerator<TeamStreamItem, void, undefined> {
    if (this.running) throw new RunStateError('The team is already running; wait for the current run to finish');
    this.running = true;
    // Without the caller's signal the run has its own, aborted when the run ends as the driver
    // aborts its own: what belongs to the run (its Python sandbox process, a fan-out branch still
    // going) is released however the run is called.
    const own = options.signal ? undefined : new AbortController();
    const signal = options.signal ?? own!.signal;
    try {
      throwIfAborted(signal);
      yield* this.loop(normalizeTask(task), signal, options, options.outputTaskMessages ?? true);
    } catch (error) {
      // Whatever broke because of the stop (an aborted request, a closed input) is reported as the stop.
      if (signal.aborted) throw cancelledFrom(signal);
      throw error;
    } finally {
      this.running = false;
      own?.abort('Run ended');
    }
  }

  async run(task?: TaskInput, options?: RunOptions): Promise<TaskResult> {
    for await (const item of this.runStream(task, options)) {
      if (!('type' in item)) return item;
    }
    throw new RunStateError('The run ended without a result');
  }

  async reset(): Promise<void> {
    if (this.running) throw new RunStateError('Cannot reset a team while it is running');
    this.thread = [];
    this.previousSpeaker = undefined;
    this.clearBuffers();
    this.termination?.reset();
    this.resetSelector();
    await Promise.all(this.participants.map((p) => p.reset()));
  }

  async close(): Promise<void> {
    await Promise.all(this.participants.map((p) => p.close()));
  }

  async saveState(): Promise<TeamState> {
    if (this.running) throw new RunStateError('Cannot save the state of a team while it is running');
    const agentStates: Record<string, AgentState> = {};
    for (const p of this.participants) agentStates[p.name] = await p.saveState();
    return {
      type: 'TeamState',
      version: 1,
      provider: this.provider,
      message_thread: structuredClone(this.thread),
      previous_speaker: this.previousSpeaker ?? null,
      message_buffers: Object.fromEntries([...this.buffers].map(([name, buffer]) => [name, structuredClone(buffer)])),
      agent_states: agentStates,
      selector_state: this.saveSelectorState(),
    };
  }

  async loadState(state: unknown): Promise<void> {
    if (this.running) throw new RunStateError('Cannot load a state into a team while it is running');
    const parsed = TeamStateSchema.safeParse(state);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new RunStateError(`Not a saved team state: ${issues}`);
    }
    const saved = parsed.data;
    if (saved.provider !== this.provider) {
      throw new RunStateError(`The saved state is of a ${saved.provider}; this team is a ${this.provider}`);
    }
    const names = this.participants.map((p) => p.name).sort();
    for (const [what, record] of [
      ['agent_states', saved.agent_states],
      ['message_buffers', saved.message_buffers],
    ] as const) {
      const savedNames = Object.keys(record).sort();
      if (savedNames.join(',') !== names.join(',')) {
        throw new RunStateError(`The saved ${what} are for participants [${savedNames.join(', ')}]; this team has [${names.join(', ')}]`);
      }
    }
    try {
      this.loadSelectorState(saved.selector_state);
      for (const p of this.participants) await p.loadState(saved.agent_states[p.name]!);
    } catch (error) {
      // Half a state is worse than none: leave the team as freshly loaded.
      await this.reset();
      throw error;
    }
    this.thread = structuredClone(saved.message_thread);
    this.previousSpeaker = saved.previous_speaker ?? undefined;
    this.buffers = new Map(this.participants.map((p) => [p.name, structuredClone(saved.message_buffers[p.name]!)]));
    this.termination?.reset();
  }

  abstract toConfig(): Record<string, unknown>;

  /** The config keys every group chat has, in AgentChat's order. */
  protected baseConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    if (this.namedInConfig.name) config.name = this.name;
    if (this.namedInConfig.description) config.description = this.description;
    config.participants = this.participants.map((p) => dumpParticipant(p));
    if (this.termination) config.termination_condition = dumpComponent(this.termination);
    if (this.maxTurns !== null) config.max_turns = this.maxTurns;
    config.emit_team_events = this.emitTeamEvents;
    return config;
  }

  /** Subclasses with their own selection state forget it here. */
  protected resetSelector(): void {}

  /** Subclasses with their own selection state save it here (JSON). */
  protected saveSelectorState(): Record<string, unknown> {
    return {};
  }

  /** … and restore it here, throwing RunStateError when it does not fit. */
  protected loadSelectorState(_state: Record<string, unknown>): void {}

  protected async *loop(task: ChatMessage[], signal: AbortSignal, options: RunOptions, outputTask: boolean): AsyncGenerator<TeamStreamItem> {
    this.termination?.onRunStart();
    // A run that failed mid-selection leaves nothing for the next one.
    this.selectionEvents = [];
    const messages: AgentMessage[] = [];
    if (outputTask) {
      for (const message of task) {
        messages.push(message);
        yield message;
      }
    }
    this.record(task, task, undefined);
    let stopReason = task.length > 0 ? this.checkTermination(task) : null;
    let turns = 0;
    while (stopReason === null) {
      throwIfAborted(signal);
      const names = await raceAbort(this.selectSpeakers(this.thread, signal), signal);
      const speakers = names.map((name) => this.participantNamed(name));
      if (speakers.length === 0) throw new RunStateError(`${this.constructor.name} selected no speaker`);
      for (const event of this.selectionEvents.splice(0)) {
        messages.push(event);
        yield event;
      }
      if (this.emitTeamEvents) {
        const event = createMessage('SelectSpeakerEvent', `${this.constructor.name}Manager`, { content: speakers.map((s) => s.name) });
        messages.push(event);
        yield event;
      }
      const steps = speakers.length === 1 ? this.takeTurn(speakers[0]!, signal, options) : this.takeTurns(speakers, signal, options);
      let last: TurnOutcome | undefined;
      for (;;) {
        const step = await steps.next();
        if (step.done) break;
        if ('delta' in step.value) {
          // A speaker finished: its turn joins the thread (in the order turns finish, as AgentChat).
          last = step.value;
          this.record(last.delta, last.said, last.speaker);
          this.previousSpeaker = last.speaker;
          this.afterTurn(last.speaker, last.delta);
          continue;
        }
        if (isRecordedMessage(step.value)) messages.push(step.value);
        yield step.value;
      }
      // AgentChat checks the condition on the delta of the turn that finished the round.
      stopReason = this.ownStopReason() ?? this.checkTermination(last!.delta);
      turns += 1;
      if (stopReason === null && this.maxTurns !== null && turns >= this.maxTurns) {
        stopReason = `Maximum number of turns ${this.maxTurns} reached.`;
      }
    }
    // A condition that ended a run starts the next run fresh (AgentChat resets it here too).
    this.termination?.reset();
    yield { messages, stop_reason: stopReason };
  }

  /**
   * One agent turn: its events as they come, then its chat message (always last). Returns what
   * it said to the others: the chat message, or for a team participant every chat message of
   * its run (AgentChat's GroupChatTeamResponse), which it has already yielded.
   */
  protected async *takeTurn(agent: ChatAgent, signal: AbortSignal, options: RunOptions): AsyncGenerator<AgentMessage | TurnOutcome> {
    const newMessages = this.buffers.get(agent.name) ?? [];
    this.buffers.set(agent.name, []);
    const iterator = traceAgentTurn(agent.name, agent.onMessagesStream(newMessages, { signal, io: options.io }))[Symbol.asyncIterator]();
    let response: Response | undefined;
    const streamed: AgentMessage[] = [];
    try {
      while (response === undefined) {
        // Raced against the signal so a tool or model that ignores it cannot hold the stop up.
        const step = await raceAbort(iterator.next(), signal);
        if (step.done) break;
        if (isResponse(step.value)) response = step.value;
        else {
          if (isRecordedMessage(step.value)) streamed.push(step.value);
          yield step.value;
        }
      }
    } finally {
      // Let the agent's generator run its cleanup; it may still be busy if we stopped mid-step.
      iterator.return?.().catch(() => undefined);
    }
    if (agent instanceof TeamParticipant) {
      yield { speaker: agent.name, delta: streamed, said: streamed.filter(isChatMessage) };
      return;
    }
    if (!response) throw new RunStateError(`${agent.name} ended its turn without a response`);
    yield response.chat_message;
    yield { speaker: agent.name, delta: [...response.inner_messages, response.chat_message], said: [response.chat_message] };
  }

  /**
   * Several turns at once: every speaker takes the messages buffered for it now, and their items
   * are yielded as they come. The first failure is thrown at once; the others keep the run's own
   * signal (so Python tools stay in the run's sandbox session) and stop when the run's signal is
   * aborted, which the run driver does whenever a run ends. What they say after that is dropped.
   */
  private async *takeTurns(speakers: readonly ChatAgent[], signal: AbortSignal, options: RunOptions): AsyncGenerator<AgentMessage | TurnOutcome> {
    const queue: ({ item: AgentMessage | TurnOutcome } | { error: unknown } | { done: true })[] = [];
    let wake: (() => void) | undefined;
    const push = (entry: (typeof queue)[number]): void => {
      queue.push(entry);
      wake?.();
      wake = undefined;
    };
    for (const speaker of speakers) {
      // Each generator takes its buffer on its first step, before any turn of this round is recorded.
      const turn = this.takeTurn(speaker, signal, options);
      void (async () => {
        try {
          for await (const item of turn) push({ item });
          push({ done: true });
        } catch (error) {
          push({ error });
        }
      })();
    }
    let running = speakers.length;
    while (running > 0) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const entry = queue.shift()!;
      if ('error' in entry) throw entry.error;
      if ('done' in entry) running -= 1;
      else yield entry.item;
    }
  }

  /** Adds a step to the thread and gives its chat messages to everyone but the speaker. */
  protected record(step: readonly AgentMessage[], said: readonly ChatMessage[], speaker: string | undefined): void {
    this.thread.push(...step);
    for (const [name, buffer] of this.buffers) {
      if (name !== speaker) buffer.push(...said.filter(isChatMessage));
    }
  }

  protected checkTermination(step: readonly AgentMessage[]): string | null {
    return this.termination?.check(step)?.content ?? null;
  }

  protected participantNamed(name: string): ChatAgent {
    const found = this.participants.find((p) => p.name === name);
    if (!found) throw new RunStateError(`The next speaker "${name}" is not a participant of the team`);
    return found;
  }

  protected clearBuffers(): void {
    this.buffers = new Map(this.participants.map((p) => [p.name, []]));
  }
}

/**
 * What a turn adds (AgentChat's delta: the Response's inner messages and chat message, or a team
 * participant's whole result) and which chat messages the others receive.
 */
export interface TurnOutcome {
  speaker: string;
  delta: AgentMessage[];
  said: ChatMessage[];
}

function normalizeTask(task: TaskInput | undefined): ChatMessage[] {
  if (task === undefined) return [];
  if (typeof task === 'string') return [createMessage('TextMessage', 'user', { content: task })];
  const list: readonly unknown[] = Array.isArray(task) ? task : [task];
  return list.map((m, i) => {
    if (typeof m !== 'object' || m === null || !('type' in m) || !isChatMessage(m as AgentMessage)) {
      throw new RunStateError(`task[${i}] is not a chat message (TextMessage, MultiModalMessage, …)`);
    }
    return m as ChatMessage;
  });
}
