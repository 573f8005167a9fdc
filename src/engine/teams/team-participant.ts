/**
 * A team taking part in another team as one participant (AgentChat's ChatAgentContainer around a
 * Team). On its turn the inner team runs on the messages buffered for it since its last turn,
 * without repeating them (`output_task_messages=False`); everything it says reaches the parent's
 * stream, and every chat message of its result goes to the other participants and to the
 * parent's termination condition. A parent reset resets the inner team.
 */
import { RunStateError } from '../errors.js';
import { isChatMessage, type ChatMessage } from '../messages.js';
import type { AgentContext, AgentStreamItem, ChatAgent } from '../agents/chat-agent.js';
import { dumpComponent } from '../components/dump.js';
import type { ComponentModel } from '../components/component-model.js';
import type { AgentState } from '../state.js';
import type { LoadScope } from '../components/registry-types.js';
import { isTaskResult, type Team } from './team.js';

export class TeamParticipant implements ChatAgent {
  readonly componentType = 'agent' as const;

  constructor(readonly team: Team) {}

  get provider(): string {
    return this.team.provider;
  }

  get name(): string {
    return this.team.name;
  }

  get description(): string {
    return this.team.description;
  }

  /**
   * Runs the inner team on `newMessages`. Yields its messages and events; the final Response
   * carries its last chat message, and `inner_messages` the chat messages before it. A team
   * that said nothing ends without a Response (group chats take that as an empty turn).
   */
  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    const said: ChatMessage[] = [];
    for await (const item of this.team.runStream(newMessages.length > 0 ? newMessages : undefined, {
      signal: ctx.signal,
      io: ctx.io,
      outputTaskMessages: false,
    })) {
      if (isTaskResult(item)) {
        // A team may end without a word (its condition already met by the task): AgentChat
        // then hands on an empty result, and so does a group chat here; there is no Response.
        const last = said.at(-1);
        if (last) yield { type: 'Response', chat_message: last, inner_messages: said.slice(0, -1) };
        return;
      }
      if (isChatMessage(item)) said.push(item);
      yield item;
    }
    throw new RunStateError(`The team "${this.name}" ended without a result`);
  }

  reset(): Promise<void> {
    return this.team.reset();
  }

  async saveState(): Promise<AgentState> {
    return (await this.team.saveState()) as unknown as AgentState;
  }

  loadState(state: AgentState): Promise<void> {
    return this.team.loadState(state);
  }

  close(): Promise<void> {
    return this.team.close();
  }

  toConfig(): Record<string, unknown> {
    return this.team.toConfig();
  }
}

/** A participant as it is written in its team's config: a team participant as the team it is. */
export function dumpParticipant(participant: ChatAgent): ComponentModel {
  return dumpComponent(participant instanceof TeamParticipant ? participant.team : participant);
}

const TEAM_PROVIDER = /(^|\.)(RoundRobinGroupChat|SelectorGroupChat|Swarm|GraphFlow|MagenticOneGroupChat)$/;

/**
 * Loads `config.participants[index]`: a team when its component_type says so (as AgentChat's
 * `_from_config` decides) or its provider is a team's, else an agent.
 */
export function loadParticipant(value: unknown, scope: LoadScope, index: number, key = 'participants'): ChatAgent {
  const model = value as { component_type?: unknown; provider?: unknown };
  const isTeam = model?.component_type === 'team' || (typeof model?.provider === 'string' && TEAM_PROVIDER.test(model.provider));
  return isTeam ? new TeamParticipant(scope.load(value, 'team', key, index)) : scope.load(value, 'agent', key, index);
}
