/**
 * UserProxyAgent: a person in the team. On its turn it asks the run's IOStream for input; after
 * a hand-off to it, its answer goes back to the agent that handed off.
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, RunStateError, throwIfAborted } from '../errors.js';
import { getDefaultIOStream } from '../io/io-stream.js';
import { createMessage, type ChatMessage, type HandoffMessage } from '../messages.js';
import type { AgentState } from '../state.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent } from './chat-agent.js';

export const DEFAULT_USER_PROXY_DESCRIPTION = 'A human user';

export interface UserProxyAgentOptions {
  name: string;
  description?: string;
}

export class UserProxyAgent implements ChatAgent {
  readonly provider = 'autogen_agentchat.agents.UserProxyAgent';
  readonly componentType = 'agent' as const;
  readonly name: string;
  readonly description: string;

  constructor(options: UserProxyAgentOptions) {
    if (!AGENT_NAME.test(options.name)) {
      throw new ConfigError('config.name', `agent name "${options.name}" must be an identifier (letters, digits, _)`);
    }
    this.name = options.name;
    this.description = options.description ?? DEFAULT_USER_PROXY_DESCRIPTION;
  }

  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    throwIfAborted(ctx.signal);
    const io = ctx.io ?? getDefaultIOStream();
    if (!io) {
      throw new RunStateError(`${this.name} needs human input but the run has no IOStream (pass { io } to runStream)`);
    }
    const handoff = this.handoffToMe(newMessages);
    const prompt = handoff ? `Handoff received from ${handoff.source}. Enter your response: ` : 'Enter your response: ';
    const requestId = randomUUID();
    const request = createMessage('UserInputRequestedEvent', this.name, { request_id: requestId, content: '' });
    yield request;
    const answer = await io.input(prompt, { signal: ctx.signal, requestId, source: this.name });
    throwIfAborted(ctx.signal);
    const chat_message: ChatMessage = handoff
      ? createMessage('HandoffMessage', this.name, { content: answer, target: handoff.source, context: [] })
      : createMessage('TextMessage', this.name, { content: answer });
    yield { type: 'Response', chat_message, inner_messages: [request] };
  }

  async reset(): Promise<void> {}

  async saveState(): Promise<AgentState> {
    return { type: 'UserProxyAgentState', version: 1 };
  }

  async loadState(state: AgentState): Promise<void> {
    if (state.type !== 'UserProxyAgentState') throw new RunStateError(`${this.name} is a UserProxyAgent and cannot load a ${state.type}`);
  }

  async close(): Promise<void> {}

  toConfig(): Record<string, unknown> {
    return { name: this.name, description: this.description };
  }

  private handoffToMe(messages: readonly ChatMessage[]): HandoffMessage | undefined {
    const last = messages.at(-1);
    return last?.type === 'HandoffMessage' && last.target === this.name ? last : undefined;
  }
}
