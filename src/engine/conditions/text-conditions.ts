/**
 * Conditions that fire on what a message says or who said it. Stop-reason texts are AgentChat's.
 */
import { isChatMessage, messageToText, type AgentMessage, type StopMessage } from '../messages.js';
import { LeafCondition } from './termination-condition.js';

/** Fires when a message (chat message or event, as in AgentChat) contains `text`. */
export class TextMentionTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.TextMentionTermination';

  constructor(
    readonly text: string,
    readonly sources?: readonly string[],
  ) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (this.sources && !this.sources.includes(message.source)) continue;
      if (messageToText(message).includes(this.text)) return this.stop(`Text '${this.text}' mentioned`);
    }
    return null;
  }

  toConfig(): Record<string, unknown> {
    return this.sources ? { text: this.text, sources: [...this.sources] } : { text: this.text };
  }
}

/** Fires on a StopMessage. */
export class StopMessageTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.StopMessageTermination';

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    return messages.some((m) => m.type === 'StopMessage') ? this.stop('Stop message received') : null;
  }

  toConfig(): Record<string, unknown> {
    return {};
  }
}

/** Fires on a HandoffMessage to `target` (e.g. `user`, to hand control back to a person). */
export class HandoffTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.HandoffTermination';

  constructor(readonly target: string) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (message.type === 'HandoffMessage' && message.target === this.target) {
        return this.stop(`Handoff to ${this.target} from ${message.source} detected.`);
      }
    }
    return null;
  }

  toConfig(): Record<string, unknown> {
    return { target: this.target };
  }
}

/** Fires when one of `sources` has said something. */
export class SourceMatchTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.SourceMatchTermination';

  constructor(readonly sources: readonly string[]) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (this.sources.includes(message.source)) return this.stop(`'${message.source}' answered`);
    }
    return null;
  }

  toConfig(): Record<string, unknown> {
    return { sources: [...this.sources] };
  }
}

/** Fires on a TextMessage (from `source`, when given). */
export class TextMessageTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.TextMessageTermination';

  constructor(readonly source?: string) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (!isChatMessage(message) || message.type !== 'TextMessage') continue;
      if (this.source === undefined || message.source === this.source) {
        return this.stop(`Text message received from '${message.source}'`);
      }
    }
    return null;
  }

  toConfig(): Record<string, unknown> {
    return this.source === undefined ? {} : { source: this.source };
  }
}
