/**
 * MessageFilterAgent: wraps an agent and passes it only some of the messages it receives
 * (AgentChat's MessageFilterAgent, an experimental AgentChat feature). For each per-source
 * filter, in order: the messages from that source, all of them, or the first / last `count`;
 * messages from sources no filter names are dropped. The wrapped agent answers under its own name.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ChatMessage } from '../messages.js';
import type { AgentState } from '../state.js';
import { dumpComponent } from '../components/dump.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent } from './chat-agent.js';

/** AgentChat's PerSourceFilter / MessageFilterConfig. */
export const MessageFilterConfigSchema = z.object({
  per_source: z.array(
    z.object({
      source: z.string(),
      position: z.enum(['first', 'last']).nullish(),
      count: z.number().int().nullish(),
    }),
  ),
});
export type MessageFilterConfig = z.infer<typeof MessageFilterConfigSchema>;

/** The messages a filter lets through, in the filter's order (a count of 0 or none means all). */
function applyMessageFilter(filter: MessageFilterConfig, messages: readonly ChatMessage[]): ChatMessage[] {
  return filter.per_source.flatMap((f) => {
    const from = messages.filter((m) => m.source === f.source);
    if (f.position === 'first' && f.count) return from.slice(0, f.count);
    if (f.position === 'last' && f.count) return from.slice(-f.count);
    return from;
  });
}

export class MessageFilterAgent implements ChatAgent {
  readonly provider = 'autogen_agentchat.agents.MessageFilterAgent';
  readonly componentType = 'agent' as const;
  readonly description: string;

  constructor(
    readonly name: string,
    readonly wrapped: ChatAgent,
    private readonly filter: MessageFilterConfig,
  ) {
    if (!AGENT_NAME.test(name)) throw new ConfigError('config.name', `agent name "${name}" must be an identifier (letters, digits, _)`);
    this.description = `${wrapped.description} (with message filtering)`;
  }

  onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    return this.wrapped.onMessagesStream(applyMessageFilter(this.filter, newMessages), ctx);
  }

  reset(): Promise<void> {
    return this.wrapped.reset();
  }

  /** The wrapped agent's memory (AgentChat saves none for the wrapper; keeping it lets a saved team continue). */
  saveState(): Promise<AgentState> {
    return this.wrapped.saveState();
  }

  loadState(state: AgentState): Promise<void> {
    return this.wrapped.loadState(state);
  }

  close(): Promise<void> {
    return this.wrapped.close();
  }

  toConfig(): Record<string, unknown> {
    return { name: this.name, wrapped_agent: dumpComponent(this.wrapped), filter: structuredClone(this.filter) };
  }
}
