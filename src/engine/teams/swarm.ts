/**
 * Swarm: the first participant starts; afterwards the target of the latest HandoffMessage speaks.
 * Every hand-off target must be a participant, or the target of a HandoffTermination (so a
 * hand-off to `user` ends the run, as in AgentChat); anything else is refused at load time.
 */
import { ConfigError, RunStateError } from '../errors.js';
import type { AgentMessage } from '../messages.js';
import { AssistantAgent } from '../agents/assistant-agent.js';
import { flattenConditions } from '../conditions/termination-condition.js';
import { HandoffTermination } from '../conditions/text-conditions.js';
import { BaseGroupChat, type GroupChatOptions } from './group-chat.js';

export class Swarm extends BaseGroupChat {
  readonly provider = 'autogen_agentchat.teams.Swarm';

  constructor(options: GroupChatOptions) {
    super(options);
    const names = new Set(this.participants.map((p) => p.name));
    const terminalTargets = new Set(
      flattenConditions(this.termination)
        .filter((c): c is HandoffTermination => c instanceof HandoffTermination)
        .map((c) => c.target),
    );
    this.participants.forEach((p, i) => {
      if (!(p instanceof AssistantAgent)) return;
      p.handoffTargets.forEach((target, j) => {
        if (names.has(target) || terminalTargets.has(target)) return;
        throw new ConfigError(
          `config.participants[${i}].config.handoffs[${j}]`,
          `${p.name} hands off to "${target}", which is neither a participant (${[...names].join(', ')}) nor the target of a HandoffTermination`,
        );
      });
    });
  }

  protected async selectSpeaker(thread: readonly AgentMessage[]): Promise<string> {
    for (let i = thread.length - 1; i >= 0; i--) {
      const message = thread[i]!;
      if (message.type !== 'HandoffMessage') continue;
      if (!this.participants.some((p) => p.name === message.target)) {
        throw new RunStateError(`${message.source} handed off to "${message.target}", which is not a participant`);
      }
      return message.target;
    }
    return this.participants[0]!.name;
  }

  toConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}
