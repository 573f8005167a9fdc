/**
 * MagenticOneGroupChat: an orchestrator model leads the participants (AgentChat's
 * MagenticOneGroupChat and MagenticOneOrchestrator).
 *
 * - Task ledger (outer loop): the model answers the facts pre-survey for the task, then writes a
 *   plan for the team; every participant is reset and hears one orchestrator message with the
 *   task, team, facts and plan.
 * - Progress ledger (inner loop, one per round): the model answers five questions in JSON
 *   (request satisfied? in a loop? progress? who next? what instruction?), retried on JSON it
 *   cannot read (10 times). Satisfied: the final answer. No progress or a loop: one more stall,
 *   else one fewer; at `max_stalls` the facts and plan are rewritten and the outer loop starts
 *   again. Otherwise the instruction is said to everyone and the chosen participant speaks.
 * - Final answer: the model answers the final answer prompt over the conversation; the run stops
 *   with the ledger's reason, or "Max rounds reached." after more than `max_turns` rounds
 *   (AgentChat counts it that way: max_turns + 1 progress ledgers), or on the termination
 *   condition checked on each participant's turn.
 *
 * The orchestrator speaks as `MagenticOneOrchestrator`. Its requests are single user messages
 * (AgentChat sends no system message here), so they fit every model family.
 */
import { z } from 'zod';
import { ConfigError, ModelError, RunStateError, throwIfAborted } from '../../errors.js';
import { createMessage, isChatMessage, isRecordedMessage, messageToText, type AgentMessage, type ChatMessage } from '../../messages.js';
import { chatMessageToLLM } from '../../agents/chat-message-llm.js';
import type { ChatCompletionClient, LLMMessage } from '../../models/model-client.js';
import { dumpComponent } from '../../components/dump.js';
import { BaseGroupChat, type GroupChatOptions, type TurnOutcome } from '../group-chat.js';
import type { RunOptions, TeamStreamItem } from '../team.js';
import {
  fillPrompt,
  ORCHESTRATOR_FINAL_ANSWER_PROMPT,
  ORCHESTRATOR_PROGRESS_LEDGER_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_FACTS_UPDATE_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT,
  ORCHESTRATOR_TASK_LEDGER_PLAN_UPDATE_PROMPT,
} from './prompts.js';

export const ORCHESTRATOR_NAME = 'MagenticOneOrchestrator';
/** AgentChat's _max_json_retries. */
const MAX_JSON_RETRIES = 10;

export interface MagenticOneOptions extends GroupChatOptions {
  modelClient: ChatCompletionClient;
  /** Stalls before re-planning (AgentChat's default 3). */
  maxStalls?: number;
  finalAnswerPrompt?: string;
}

/** The five answers of a progress ledger. */
export interface ProgressLedger {
  is_request_satisfied: { reason: string; answer: boolean };
  is_in_loop: { reason: string; answer: boolean };
  is_progress_being_made: { reason: string; answer: boolean };
  next_speaker: { reason: string; answer: string };
  instruction_or_question: { reason: string; answer: string };
}

const OrchestratorStateSchema = z.object({
  task: z.string(),
  facts: z.string(),
  plan: z.string(),
  n_rounds: z.number().int().min(0),
  n_stalls: z.number().int().min(0),
});

/** AgentChat's extract_json_from_str: the ```json blocks of a text, or the whole text as JSON. */
export function extractJsonObjects(content: string): unknown[] {
  const blocks = [...content.matchAll(/```(?:\s*([\w+-]+))?\n([\s\S]*?)```/g)];
  if (blocks.length === 0) return [JSON.parse(content) as unknown];
  return blocks.map((m) => {
    const language = m[1]?.trim();
    if (language && language.toLowerCase() !== 'json') throw new ModelError(`Expected JSON object, but found language: ${language}`);
    return JSON.parse(m[2]!) as unknown;
  });
}

export class MagenticOneGroupChat extends BaseGroupChat {
  readonly provider = 'autogen_agentchat.teams.MagenticOneGroupChat';
  private readonly modelClient: ChatCompletionClient;
  private readonly maxStalls: number;
  private readonly finalAnswerPrompt: string;
  private readonly teamDescription: string;
  private task = '';
  private facts = '';
  private plan = '';
  private nRounds = 0;
  private nStalls = 0;

  constructor(options: MagenticOneOptions) {
    // AgentChat's default max_turns is 20 (an explicit null means no limit).
    super({ ...options, maxTurns: options.maxTurns === undefined ? 20 : options.maxTurns });
    const maxStalls = options.maxStalls ?? 3;
    if (!Number.isInteger(maxStalls) || maxStalls < 1) throw new ConfigError('config.max_stalls', 'must be a positive integer');
    this.modelClient = options.modelClient;
    this.maxStalls = maxStalls;
    this.finalAnswerPrompt = options.finalAnswerPrompt ?? ORCHESTRATOR_FINAL_ANSWER_PROMPT;
    this.teamDescription = this.participants.map((p) => `${p.name}: ${p.description}`.replace(/\s+/g, ' ').trim()).join('\n');
  }

  protected async selectSpeaker(): Promise<string> {
    throw new RunStateError('The MagenticOne orchestrator selects speakers from its progress ledger');
  }

  protected override async *loop(task: ChatMessage[], signal: AbortSignal, options: RunOptions, outputTask: boolean): AsyncGenerator<TeamStreamItem> {
    this.termination?.onRunStart();
    const messages: AgentMessage[] = [];
    const out = (message: AgentMessage): AgentMessage => (messages.push(message), message);
    if (outputTask) for (const message of task) yield out(message);
    // The participants do not receive the task itself: they get it in the task ledger.
    this.task = task.map(messageToText).join(' ');
    await this.planTask(signal);
    this.nStalls = 0;
    let stopReason: string | null = null;
    let replan = true;
    while (stopReason === null) {
      throwIfAborted(signal);
      if (replan) {
        replan = false;
        await this.resetParticipants();
        this.thread = [];
        yield out(
          this.say(
            fillPrompt(ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT, { task: this.task, team: this.teamDescription, facts: this.facts, plan: this.plan }),
          ),
        );
      }
      if (this.maxTurns !== null && this.nRounds > this.maxTurns) {
        yield out(await this.finalAnswer(signal));
        stopReason = 'Max rounds reached.';
        break;
      }
      this.nRounds += 1;
      const ledger = await this.progressLedger(signal);
      if (ledger.is_request_satisfied.answer) {
        yield out(await this.finalAnswer(signal));
        stopReason = ledger.is_request_satisfied.reason;
        break;
      }
      if (!ledger.is_progress_being_made.answer || ledger.is_in_loop.answer) this.nStalls += 1;
      else this.nStalls = Math.max(0, this.nStalls - 1);
      if (this.nStalls >= this.maxStalls) {
        await this.updateTaskLedger(signal);
        replan = true;
        continue;
      }
      yield out(this.say(ledger.instruction_or_question.answer));
      const speaker = this.participantNamed(ledger.next_speaker.answer);
      if (this.emitTeamEvents) yield out(createMessage('SelectSpeakerEvent', ORCHESTRATOR_NAME, { content: [speaker.name] }));
      let turn: TurnOutcome | undefined;
      for await (const item of this.takeTurn(speaker, signal, options)) {
        if ('delta' in item) turn = item;
        else {
          if (isRecordedMessage(item)) messages.push(item);
          yield item;
        }
      }
      // AgentChat keeps only the participant's chat message in the orchestrator's thread.
      this.record(turn!.said, turn!.said, speaker.name);
      this.previousSpeaker = speaker.name;
      stopReason = this.checkTermination(turn!.delta);
    }
    this.termination?.reset();
    yield { messages, stop_reason: stopReason };
  }

  protected override resetSelector(): void {
    this.task = '';
    this.facts = '';
    this.plan = '';
    this.nRounds = 0;
    this.nStalls = 0;
  }

  protected override saveSelectorState(): Record<string, unknown> {
    return { task: this.task, facts: this.facts, plan: this.plan, n_rounds: this.nRounds, n_stalls: this.nStalls };
  }

  protected override loadSelectorState(state: Record<string, unknown>): void {
    const parsed = OrchestratorStateSchema.safeParse(state);
    if (!parsed.success) throw new RunStateError('selector_state is not a MagenticOne orchestrator state (task, facts, plan, n_rounds, n_stalls)');
    ({ task: this.task, facts: this.facts, plan: this.plan, n_rounds: this.nRounds, n_stalls: this.nStalls } = parsed.data);
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.modelClient.close()]);
  }

  toConfig(): Record<string, unknown> {
    const base = this.baseConfig();
    const config: Record<string, unknown> = {};
    if ('name' in base) config.name = base.name;
    if ('description' in base) config.description = base.description;
    config.participants = base.participants;
    config.model_client = dumpComponent(this.modelClient);
    if ('termination_condition' in base) config.termination_condition = base.termination_condition;
    config.max_turns = this.maxTurns;
    config.max_stalls = this.maxStalls;
    config.final_answer_prompt = this.finalAnswerPrompt;
    config.emit_team_events = this.emitTeamEvents;
    return config;
  }

  /** The facts pre-survey, then the plan (AgentChat's handle_start); the ledger is said later. */
  private async planTask(signal: AbortSignal): Promise<void> {
    const conversation: LLMMessage[] = [this.ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT, { task: this.task }))];
    this.facts = await this.complete(conversation, signal);
    conversation.push(
      { type: 'AssistantMessage', content: this.facts, source: ORCHESTRATOR_NAME },
      this.ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT, { team: this.teamDescription })),
    );
    this.plan = await this.complete(conversation, signal);
  }

  /** Rewrites the facts and the plan after too many stalls (AgentChat's _update_task_ledger). */
  private async updateTaskLedger(signal: AbortSignal): Promise<void> {
    const context = [
      ...this.threadContext(),
      this.ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_FACTS_UPDATE_PROMPT, { task: this.task, facts: this.facts })),
    ];
    this.facts = await this.complete(context, signal);
    context.push(
      { type: 'AssistantMessage', content: this.facts, source: ORCHESTRATOR_NAME },
      this.ask(fillPrompt(ORCHESTRATOR_TASK_LEDGER_PLAN_UPDATE_PROMPT, { team: this.teamDescription })),
    );
    this.plan = await this.complete(context, signal);
  }

  /** Asks for the progress ledger until it is valid JSON with the five answers, as AgentChat does. */
  private async progressLedger(signal: AbortSignal): Promise<ProgressLedger> {
    const names = this.participants.map((p) => p.name);
    const context = [
      ...this.threadContext(),
      this.ask(fillPrompt(ORCHESTRATOR_PROGRESS_LEDGER_PROMPT, { task: this.task, team: this.teamDescription, names: names.join(', ') })),
    ];
    let last = '';
    for (let attempt = 0; attempt < MAX_JSON_RETRIES; attempt++) {
      last = await this.complete(context, signal);
      let objects: unknown[];
      try {
        objects = extractJsonObjects(last);
      } catch (error) {
        if (error instanceof SyntaxError) continue; // Not JSON: ask again.
        throw error;
      }
      if (objects.length !== 1) throw new ModelError(`Progress ledger should contain a single JSON object, but found: ${objects.length}`);
      // A bare JSON value (`5`, `"ok"`, `null`, a list) is no ledger: ask again, as for text.
      if (typeof objects[0] !== 'object' || objects[0] === null || Array.isArray(objects[0])) continue;
      const ledger = objects[0] as Record<string, { reason?: unknown; answer?: unknown }>;
      if (names.length === 1) ledger.next_speaker = { reason: 'The team consists of only one agent.', answer: names[0] };
      const keys = ['is_request_satisfied', 'is_progress_being_made', 'is_in_loop', 'instruction_or_question', 'next_speaker'];
      const complete = keys.every((k) => typeof ledger?.[k] === 'object' && ledger[k] !== null && 'answer' in ledger[k]! && 'reason' in ledger[k]!);
      if (!complete) continue;
      // AgentChat gives up at once on a speaker who is not in the team.
      if (!ledger.is_request_satisfied!.answer && !names.includes(ledger.next_speaker!.answer as string)) break;
      return ledger as unknown as ProgressLedger;
    }
    throw new ModelError(`Failed to parse ledger information after multiple retries. The last answer was: ${last.slice(0, 500)}`);
  }

  /** The final answer over the conversation (AgentChat's _prepare_final_answer). */
  private async finalAnswer(signal: AbortSignal): Promise<ChatMessage> {
    // AgentChat fills {task} in its own prompt only; a custom prompt is sent as written.
    const prompt =
      this.finalAnswerPrompt === ORCHESTRATOR_FINAL_ANSWER_PROMPT ? fillPrompt(this.finalAnswerPrompt, { task: this.task }) : this.finalAnswerPrompt;
    return this.say(await this.complete([...this.threadContext(), this.ask(prompt)], signal));
  }

  /** An orchestrator message: into the thread, to every participant (returned to be streamed). */
  private say(content: string): ChatMessage {
    const message = createMessage('TextMessage', ORCHESTRATOR_NAME, { content });
    this.record([message], [message], undefined);
    return message;
  }

  private ask(content: string): LLMMessage {
    return { type: 'UserMessage', content, source: ORCHESTRATOR_NAME };
  }

  private async complete(messages: LLMMessage[], signal: AbortSignal): Promise<string> {
    const result = await this.modelClient.create(messages, { signal });
    if (typeof result.content !== 'string') throw new ModelError('The MagenticOne orchestrator model answered with tool calls');
    return result.content;
  }

  /** The thread as the orchestrator's model sees it (AgentChat's _thread_to_context). */
  private threadContext(): LLMMessage[] {
    // As AgentChat's orchestrator: a stop or hand-off is always a user message, its own others an assistant message.
    return this.thread.filter(isChatMessage).map((m): LLMMessage => {
      const own = m.source === ORCHESTRATOR_NAME && m.type !== 'StopMessage' && m.type !== 'HandoffMessage';
      return own ? { type: 'AssistantMessage', content: messageToText(m), source: m.source } : chatMessageToLLM(m);
    });
  }

  /** AgentChat sends every participant a GroupChatReset when the outer loop (re)starts. */
  private async resetParticipants(): Promise<void> {
    this.clearBuffers();
    await Promise.all(this.participants.map((p) => p.reset()));
  }
}
