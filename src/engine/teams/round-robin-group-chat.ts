/** RoundRobinGroupChat: participants speak in turn, in the order given. */
import { z } from 'zod';
import { RunStateError } from '../errors.js';
import type { AgentMessage } from '../messages.js';
import { BaseGroupChat, type GroupChatOptions } from './group-chat.js';

export class RoundRobinGroupChat extends BaseGroupChat {
  readonly provider = 'autogen_agentchat.teams.RoundRobinGroupChat';
  private nextIndex = 0;

  constructor(options: GroupChatOptions) {
    super(options);
  }

  protected async selectSpeaker(_thread: readonly AgentMessage[]): Promise<string> {
    const speaker = this.participants[this.nextIndex]!;
    this.nextIndex = (this.nextIndex + 1) % this.participants.length;
    return speaker.name;
  }

  protected override resetSelector(): void {
    this.nextIndex = 0;
  }

  protected override saveSelectorState(): Record<string, unknown> {
    return { next_speaker_index: this.nextIndex };
  }

  protected override loadSelectorState(state: Record<string, unknown>): void {
    const schema = z.object({
      next_speaker_index: z
        .number()
        .int()
        .min(0)
        .max(this.participants.length - 1),
    });
    const parsed = schema.safeParse(state);
    if (!parsed.success) throw new RunStateError(`selector_state.next_speaker_index must be a participant index (0–${this.participants.length - 1})`);
    this.nextIndex = parsed.data.next_speaker_index;
  }

  toConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}
