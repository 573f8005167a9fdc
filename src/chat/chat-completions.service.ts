/**
 * `POST /chat/completions` (protocol §2.8): one message of a conversation, answered by the
 * configured team as NDJSON lines while it runs. The conversation lives in the database as the
 * team's saved state, so it survives restarts; the next message goes to the agent that spoke
 * last. One message at a time per conversation: the LiveRunRegistry admits one run per
 * conversation key, with the same slots and shutdown as every other run.
 */
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import { createMessage, InputUnavailableError, RunStateError, Swarm, type ChatMessage, type RunOutcome, type Team } from '../engine/index.js';
import { LiveRunRegistry, type LiveRunClaim } from '../live-runs/live-run-registry.js';
import { UserEngineContexts } from '../live-runs/user-engine-context.js';
import { ObservedRuns } from '../observability/observed-runs.js';
import type { ChatCompletionBody } from './chat-completions.dto.js';
import { ChatTeams } from './chat-teams.js';
import { CompletionLines, errorLine, nextSpeakerAfter } from './completion-lines.js';
import { ConversationStore, type ConversationRecord } from './conversation-store.js';
import type { NdjsonResponse } from './ndjson-response.js';

/** This endpoint has nobody to ask: what a team that wants human input is told, as its last line. */
export const NO_HUMAN_HERE = 'The team asked for human input, which POST /chat/completions cannot give; use /ws/chat or the run socket';

@Injectable()
export class ChatCompletionsService {
  private readonly logger = new Logger(ChatCompletionsService.name);

  constructor(
    private readonly teams: ChatTeams,
    private readonly store: ConversationStore,
    private readonly registry: LiveRunRegistry,
    private readonly contexts: UserEngineContexts,
    private readonly runs: ObservedRuns,
  ) {}

  /**
   * Answers one message into `out`. Refusals (409 busy, 409 a conversation of another team, 429
   * over a live-run limit) are thrown before the first line, so they reach the client as
   * ordinary HTTP errors; after that, every failure is the reply's last line and the saved
   * state is left as it was before the message.
   */
  async reply(body: ChatCompletionBody, userId: string, out: NdjsonResponse): Promise<void> {
    const claim = await this.registry.claim(`completion:${userId}\n${body.conversation_id}`, userId, {
      conflictMessage: `Conversation "${body.conversation_id}" is still answering its previous message; send the next one when that reply has ended`,
    });
    const onClientGone = () => claim.stop(String(out.signal.reason ?? 'Client disconnected'));
    out.signal.addEventListener('abort', onClientGone, { once: true });
    try {
      await claim.run(() => this.answer(body.conversation_id, body.message, claim, out));
    } finally {
      out.signal.removeEventListener('abort', onClientGone);
      out.end();
    }
  }

  /** Resumes the conversation's team, drives it, writes its lines and saves its state on success. */
  private async answer(conversationId: string, message: string, claim: LiveRunClaim, out: NdjsonResponse): Promise<void> {
    const saved = await this.store.find(claim.userId, conversationId);
    const team = await this.resume(conversationId, saved, claim.userId);
    try {
      out.start();
      const task = this.task(team, message, saved);
      const lines = new CompletionLines(new Set([task.id]));
      const participants = new Set(team.participants.map((p) => p.name));
      let next = saved?.lastSpeaker ?? null;
      // The conversation is the run's session (`session.id` on the run span).
      const telemetry = { sessionId: conversationId, teamLabel: this.teams.completions.label };
      for await (const event of this.runs.drive(claim, 'chat_completions', team, task, { telemetry })) {
        if (event.type === 'message') {
          next = nextSpeakerAfter(next, event.message, participants);
          for (const line of lines.of(event.message)) out.write(line);
        } else if (event.outcome.status === 'complete') {
          await this.save(
            claim.userId,
            conversationId,
            { team: this.teams.completions.label, lastSpeaker: next, state: await team.saveState() },
            out,
          );
        } else {
          out.write(errorLine(failureText(event.outcome)));
        }
      }
    } finally {
      await team.close().catch((error: unknown) => this.logger.warn(`Closing the team of ${conversationId}: ${String(error)}`));
    }
  }

  private async save(userId: string, conversationId: string, record: ConversationRecord, out: NdjsonResponse): Promise<void> {
    await this.store.save(userId, conversationId, record).catch((error: unknown) => {
      this.logger.error(`Saving conversation ${conversationId}: ${String(error)}`);
      out.write(errorLine('the reply could not be saved; the conversation continues from before this message'));
    });
  }

  /** A fresh team, with the conversation's saved state when there is one. */
  private async resume(conversationId: string, saved: ConversationRecord | null, userId: string): Promise<Team> {
    const { label } = this.teams.completions;
    if (saved && saved.team !== label) {
      throw new AppError(
        'conflict',
        `Conversation "${conversationId}" was held with the team "${saved.team}"; this server talks to "${label}" (CHAT_COMPLETIONS_TEAM)`,
      );
    }
    // The user's settings environment supplies their own model keys (AGS per-user environment).
    const team = this.teams.completions.load(await this.contexts.forUser(userId));
    if (!saved) return team;
    try {
      await team.loadState(saved.state);
      return team;
    } catch (error) {
      await team.close().catch(() => undefined);
      if (error instanceof RunStateError) {
        throw new AppError('conflict', `Conversation "${conversationId}" cannot be continued by "${label}": ${error.message}`, { cause: error });
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
}

/** The last line's text for a reply that did not complete. */
function failureText(outcome: Exclude<RunOutcome, { status: 'complete' }>): string {
  if (outcome.status === 'error' && outcome.error instanceof InputUnavailableError) return NO_HUMAN_HERE;
  return outcome.stopReason;
}
