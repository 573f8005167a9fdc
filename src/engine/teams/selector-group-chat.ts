/**
 * SelectorGroupChat: a model picks the next speaker from the conversation (AgentChat's
 * SelectorGroupChat, same prompt, same retries with feedback, same fallback).
 */
import { ConfigError, ModelError } from '../errors.js';
import { createMessage, isChatMessage, messageToText, type AgentMessage } from '../messages.js';
import { isOpenAIFamily, type ChatCompletionClient, type CreateResult, type LLMMessage } from '../models/model-client.js';
import { dumpComponent } from '../components/dump.js';
import { BaseGroupChat, type GroupChatOptions } from './group-chat.js';

export const DEFAULT_SELECTOR_PROMPT = `You are in a role play game. The following roles are available:
{roles}.
Read the following conversation. Then select the next role from {participants} to play. Only return the role.

{history}

Read the above conversation. Then select the next role from {participants} to play. Only return the role.
`;

export interface SelectorGroupChatOptions extends GroupChatOptions {
  modelClient: ChatCompletionClient;
  /** With `{roles}`, `{participants}` and `{history}` filled in. */
  selectorPrompt?: string;
  allowRepeatedSpeaker?: boolean;
  maxSelectorAttempts?: number;
  /**
   * Stream the selector model's answer (AgentChat's `model_client_streaming`); with
   * emit_team_events its chunks and a SelectorEvent come before the SelectSpeakerEvent.
   * Undefined: not set in the config (and not written back).
   */
  modelClientStreaming?: boolean;
}

export class SelectorGroupChat extends BaseGroupChat {
  readonly provider = 'autogen_agentchat.teams.SelectorGroupChat';
  private readonly modelClient: ChatCompletionClient;
  private readonly selectorPrompt: string;
  private readonly allowRepeatedSpeaker: boolean;
  private readonly maxSelectorAttempts: number;
  private readonly modelClientStreaming: boolean | undefined;

  constructor(options: SelectorGroupChatOptions) {
    super(options);
    if (this.participants.length < 2) throw new ConfigError('config.participants', 'a SelectorGroupChat needs at least two participants');
    this.modelClient = options.modelClient;
    this.selectorPrompt = options.selectorPrompt ?? DEFAULT_SELECTOR_PROMPT;
    this.allowRepeatedSpeaker = options.allowRepeatedSpeaker ?? false;
    this.maxSelectorAttempts = options.maxSelectorAttempts ?? 3;
    this.modelClientStreaming = options.modelClientStreaming;
    if (!Number.isInteger(this.maxSelectorAttempts) || this.maxSelectorAttempts < 1) {
      throw new ConfigError('config.max_selector_attempts', 'must be a positive integer');
    }
  }

  /**
   * As AgentChat's SelectorGroupChatManager: `{roles}` lists every participant, `{participants}`
   * the candidates (all but the previous speaker unless repeats are allowed); OpenAI families get
   * the prompt as a system message, every other family as a user message; a reply must name
   * exactly one candidate, and gets feedback and another attempt otherwise.
   */
  protected async selectSpeaker(thread: readonly AgentMessage[], signal: AbortSignal): Promise<string> {
    const previous = this.previousSpeaker;
    const candidates = this.participants.filter((p) => this.allowRepeatedSpeaker || p.name !== previous).map((p) => p.name);
    // With one candidate there is nothing to ask.
    if (candidates.length === 1) return candidates[0]!;
    const listed = pythonList(candidates);
    const prompt = this.selectorPrompt
      .replaceAll('{roles}', () => this.participants.map((p) => `${p.name}: ${p.description}`.replace(/\s+/g, ' ').trim()).join('\n'))
      .replaceAll('{participants}', () => listed)
      .replaceAll('{history}', () => formatHistory(thread));
    const messages: LLMMessage[] = isOpenAIFamily(this.modelClient.modelInfo.family)
      ? [{ type: 'SystemMessage', content: prompt }]
      : [{ type: 'UserMessage', content: prompt, source: 'user' }];
    // Mentions are looked for among all participants, so that naming the previous speaker gets
    // the "repeated speaker" feedback rather than "no valid name".
    const everyone = this.participants.map((p) => p.name);

    for (let attempt = 0; attempt < this.maxSelectorAttempts; attempt++) {
      const result = await this.askSelector(messages, signal);
      const reply = typeof result.content === 'string' ? result.content : '';
      const mentioned = mentionedAgents(reply, everyone);
      let feedback: string;
      if (mentioned.length === 1) {
        const chosen = mentioned[0]!;
        if (this.allowRepeatedSpeaker || chosen !== previous) return chosen;
        feedback = `Repeated speaker is not allowed, please select a different name from: ${listed}.`;
      } else if (mentioned.length === 0) {
        feedback = `No valid name was mentioned. Please select from: ${listed}.`;
      } else {
        feedback = `Expected exactly one name to be mentioned. Please select only one from: ${listed}.`;
      }
      messages.push({ type: 'AssistantMessage', content: reply, source: 'selector' });
      messages.push({ type: 'UserMessage', content: feedback, source: 'user' });
    }
    return this.fallbackSpeaker(candidates);
  }

  /**
   * One selector call; streamed with `model_client_streaming`, and then, with emit_team_events,
   * reported as AgentChat's manager reports it: a SelectorEvent with the answer. AgentChat also
   * forwards the selector's chunks; here selection is not streamed to viewers live, so chunks
   * would only repeat the SelectorEvent's text (and read as an agent's words in /chat/completions).
   */
  private async askSelector(messages: LLMMessage[], signal: AbortSignal): Promise<CreateResult> {
    if (!this.modelClientStreaming) return this.modelClient.create(messages, { signal });
    let result: CreateResult | undefined;
    for await (const item of this.modelClient.createStream(messages, { signal })) if (typeof item !== 'string') result = item;
    if (!result) throw new ModelError('The selector model stream ended without a result');
    if (this.emitTeamEvents && typeof result.content === 'string') {
      this.selectionEvents.push(createMessage('SelectorEvent', `${this.constructor.name}Manager`, { content: result.content }));
    }
    return result;
  }

  /**
   * Who speaks when the model named nobody usable after every attempt: always a candidate.
   * AgentChat falls back to the previous speaker even when repeats are not allowed; here the
   * previous speaker is kept only when it is a candidate, else the next candidate after it in
   * participant order (round-robin), else the first candidate.
   */
  private fallbackSpeaker(candidates: readonly string[]): string {
    const previous = this.previousSpeaker;
    if (previous !== undefined && candidates.includes(previous)) return previous;
    const names = this.participants.map((p) => p.name);
    const from = previous === undefined ? -1 : names.indexOf(previous);
    for (let step = 1; step <= names.length; step++) {
      const next = names[(from + step) % names.length]!;
      if (candidates.includes(next)) return next;
    }
    return candidates[0]!;
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.modelClient.close()]);
  }

  toConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      model_client: dumpComponent(this.modelClient),
      selector_prompt: this.selectorPrompt,
      allow_repeated_speaker: this.allowRepeatedSpeaker,
      max_selector_attempts: this.maxSelectorAttempts,
      ...(this.modelClientStreaming === undefined ? {} : { model_client_streaming: this.modelClientStreaming }),
    };
  }
}

/** `['a', 'b']`: how AgentChat (Python) prints the candidate list into the prompt. */
function pythonList(names: readonly string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

function formatHistory(thread: readonly AgentMessage[]): string {
  return thread
    .filter(isChatMessage)
    .map((m) => `${`${m.source}: ${messageToText(m)}`.trimEnd()}\n\n`)
    .join('\n');
}

/** The names a reply mentions as whole words (also with `_` written as a space or `\_`). */
export function mentionedAgents(reply: string, names: readonly string[]): string[] {
  const text = ` ${reply} `;
  return names.filter((name) => {
    const variants = [name, name.replaceAll('_', ' '), name.replaceAll('_', '\\_')].map(escapeRegExp);
    return new RegExp(`(?<=\\W)(${variants.join('|')})(?=\\W)`).test(text);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
