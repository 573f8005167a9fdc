/** RoundRobinGroupChat: participants speak in turn, in the order given. */
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

  toConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}
