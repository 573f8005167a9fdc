/**
 * The lines of a `POST /chat/completions` reply (protocol §2.8): `string` lines are text deltas
 * (model chunks, or a whole message that was not streamed), `function` lines describe tool calls,
 * their results and hand-offs.
 */
import { isChatMessage, messageToText, type AgentMessage } from '../engine/index.js';
import { callText, handoffText, resultText } from './event-text.js';

export interface CompletionLine {
  content: { type: 'string' | 'function'; message: string };
}

const text = (message: string): CompletionLine => ({ content: { type: 'string', message } });
const fn = (message: string): CompletionLine => ({ content: { type: 'function', message } });

/** The last line of a reply that failed after the headers went out (a 500 is no longer possible). */
export const errorLine = (message: string): CompletionLine => text(`Error: ${message}`);

/** Maps one reply's events to lines; remembers which messages already went out as chunks. */
export class CompletionLines {
  private readonly streamed = new Set<string>();

  /** `taskIds`: the user's own message, which the team echoes first and the client already has. */
  constructor(private readonly taskIds: ReadonlySet<string>) {}

  of(message: AgentMessage): CompletionLine[] {
    if (this.taskIds.has(message.id)) return [];
    switch (message.type) {
      case 'ModelClientStreamingChunkEvent':
        this.streamed.add(message.full_message_id);
        return [text(message.content)];
      case 'TextMessage':
      case 'StopMessage':
      case 'MultiModalMessage':
      case 'ToolCallSummaryMessage':
        // A streamed message's text has gone out already, chunk by chunk.
        return this.streamed.has(message.id) ? [] : [text(messageToText(message))];
      case 'HandoffMessage':
        return [fn(handoffText(message))];
      case 'ToolCallRequestEvent':
        return message.content.map((call) => fn(callText(call)));
      case 'ToolCallExecutionEvent':
        return message.content.map((result) => fn(resultText(result)));
      case 'ThoughtEvent':
      case 'SelectSpeakerEvent':
      case 'UserInputRequestedEvent':
      case 'LLMCallEventMessage':
      case 'MemoryQueryEvent':
      case 'SelectorEvent':
        return [];
    }
  }
}

/**
 * Who the next message of the conversation goes to, after `message`: the target of a hand-off
 * to a participant, else the participant who spoke. A hand-off to someone outside the team
 * (`user`) leaves it with the agent that handed off.
 */
export function nextSpeakerAfter(current: string | null, message: AgentMessage, participants: ReadonlySet<string>): string | null {
  if (!isChatMessage(message)) return current;
  if (message.type === 'HandoffMessage' && participants.has(message.target)) return message.target;
  return participants.has(message.source) ? message.source : current;
}
