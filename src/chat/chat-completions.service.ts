/**
 * `POST /chat/completions` (protocol §2.8): one message of a conversation, answered by the
 * configured team as NDJSON lines while it runs. The conversation lives in the database as the
 * team's saved state, so it survives restarts; the next message goes to the agent that spoke
 * last. One message at a time per conversation.
 */
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import {
  createMessage,
  isTaskResult,
  RunStateError,
  Swarm,
  type ChatMessage,
  type InputOptions,
  type IOStream,
  type Team,
} from '../engine/index.js';
import { RunRequestError } from '../runs/run-errors.js';
import { RunSlots } from '../runs/run-slots.js';
import type { ChatCompletionBody } from './chat-completions.dto.js';
import { ChatTeams } from './chat-teams.js';
import { CompletionLines, errorLine, nextSpeakerAfter } from './completion-lines.js';
import { ConversationStore, type ConversationRecord } from './conversation-store.js';
import type { NdjsonResponse } from './ndjson-response.js';

/** This endpoint has nobody to ask: a team that wants human input ends with a clear error line. */
const NO_HUMAN: IOStream = {
  print: () => undefined,
  send: () => undefined,
  input: (_prompt: string, _options?: InputOptions) =>
    Promise.reject(new RunStateError('The team asked for human input, which POST /chat/completions cannot give; use /ws/chat or the run socket')),
};

type Outcome = { kind: 'complete'; lastSpeaker: string | null } | { kind: 'failed' };

@Injectable()
export class ChatCompletionsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatCompletionsService.name);
  /** Conversations answering right now, by `<user>\n<conversation>`, with their run's controller. */
  private readonly busy = new Map<string, AbortController>();

  constructor(
    private readonly teams: ChatTeams,
    private readonly store: ConversationStore,
    private readonly slots: RunSlots,
  ) {}

  /**
   * Answers one message into `out`. Refusals (409 busy, 409 a conversation of another team) are
   * thrown before the first line, so they reach the client as ordinary HTTP errors; after that,
   * every failure is the reply's last line and the state is left as it was before the message.
   */
  async reply(body: ChatCompletionBody, userId: string, out: NdjsonResponse): Promise<void> {
    const key = `${userId}\n${body.conversation_id}`;
    if (this.busy.has(key)) {
      throw new RunRequestError('conflict', `Conversation "${body.conversation_id}" is still answering its previous message; send the next one when that reply has ended`);
    }
    const release = this.slots.acquire(userId);
    const controller = new AbortController();
    this.busy.set(key, controller);
    const onClientGone = () => controller.abort(out.signal.reason);
    out.signal.addEventListener('abort', onClientGone, { once: true });
    let team: Team | undefined;
    try {
      const saved = await this.store.find(userId, body.conversation_id);
      team = await this.resume(body.conversation_id, saved);
      out.start();
      const outcome = await this.answer(team, this.task(team, body.message, saved), saved?.lastSpeaker ?? null, controller.signal, out);
      if (outcome.kind === 'complete') {
        const record = { team: this.teams.completions.label, lastSpeaker: outcome.lastSpeaker, state: await team.saveState() };
        await this.store.save(userId, body.conversation_id, record).catch((error: unknown) => {
          this.logger.error(`Saving conversation ${body.conversation_id}: ${String(error)}`);
          out.write(errorLine('the reply could not be saved; the conversation continues from before this message'));
        });
      }
    } finally {
      out.signal.removeEventListener('abort', onClientGone);
      this.busy.delete(key);
      release();
      await team?.close().catch((error: unknown) => this.logger.warn(`Closing the team of ${body.conversation_id}: ${String(error)}`));
      out.end();
    }
  }

  /** On shutdown the replies in flight end with an error line rather than being cut off. */
  beforeApplicationShutdown(): void {
    for (const controller of this.busy.values()) controller.abort('Server shutdown');
  }

  /** A fresh team, with the conversation's saved state when there is one. */
  private async resume(conversationId: string, saved: ConversationRecord | null): Promise<Team> {
    const { label } = this.teams.completions;
    if (saved && saved.team !== label) {
      throw new RunRequestError('conflict', `Conversation "${conversationId}" was held with the team "${saved.team}"; this server talks to "${label}" (CHAT_COMPLETIONS_TEAM)`);
    }
    const team = this.teams.completions.load();
    if (!saved) return team;
    try {
      await team.loadState(saved.state);
      return team;
    } catch (error) {
      await team.close().catch(() => undefined);
      if (error instanceof RunStateError) {
        throw new RunRequestError('conflict', `Conversation "${conversationId}" cannot be continued by "${label}": ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * The user's message. A Swarm picks its speaker from the latest hand-off, so after a hand-off
   * to the user the message is a hand-off back to the agent that spoke last (as AgentChat
   * requires); other teams keep their own turn order from the saved state.
   */
  private task(team: Team, message: string, saved: ConversationRecord | null): ChatMessage {
    if (team instanceof Swarm && saved?.lastSpeaker) {
      return createMessage('HandoffMessage', 'user', { content: message, target: saved.lastSpeaker, context: [] });
    }
    return createMessage('TextMessage', 'user', { content: message });
  }

  /** Runs the team and writes its lines; never throws. */
  private async answer(team: Team, task: ChatMessage, lastSpeaker: string | null, signal: AbortSignal, out: NdjsonResponse): Promise<Outcome> {
    const lines = new CompletionLines(new Set([task.id]));
    const participants = new Set(team.participants.map((p) => p.name));
    let next = lastSpeaker;
    try {
      for await (const item of team.runStream(task, { signal, io: NO_HUMAN })) {
        if (isTaskResult(item)) return { kind: 'complete', lastSpeaker: next };
        next = nextSpeakerAfter(next, item, participants);
        for (const line of lines.of(item)) out.write(line);
      }
      throw new RunStateError('The team stopped without a result');
    } catch (error) {
      const text = signal.aborted ? String(signal.reason ?? 'Cancelled') : error instanceof Error ? error.message : String(error);
      out.write(errorLine(text));
      return { kind: 'failed' };
    }
  }
}
