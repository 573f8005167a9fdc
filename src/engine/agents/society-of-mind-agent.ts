/**
 * SocietyOfMindAgent: an inner team as one agent (AgentChat's SocietyOfMindAgent). On its turn
 * the inner team runs on the new messages (after a HandoffMessage "relevant previous messages"
 * carrying what this agent heard before, when it has); its messages stream out as this agent's
 * inner events, then the model writes one standalone answer from the inner transcript:
 * `instruction`, the inner chat messages, `response_prompt` (system messages when the model
 * accepts several, else user messages from `user`). No inner message: "No response.". The inner
 * team is reset after every turn.
 */
import { ConfigError, ModelError, RunStateError } from '../errors.js';
import { createMessage, isChatMessage, isRecordedMessage, type ChatMessage } from '../messages.js';
import type { ChatCompletionClient, LLMMessage } from '../models/model-client.js';
import type { AgentState } from '../state.js';
import { dumpComponent } from '../components/dump.js';
import { isTaskResult, type Team } from '../teams/team.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent } from './chat-agent.js';
import { chatMessageToLLM, receivedToLLM } from './chat-message-llm.js';
import { UnboundedChatCompletionContext, type ChatCompletionContext } from './model-context.js';

export const SOM_DEFAULT_INSTRUCTION =
  'Earlier you were asked to fulfill a request. You and your team worked diligently to address that request. Here is a transcript of that conversation:';
export const SOM_DEFAULT_RESPONSE_PROMPT =
  'Output a standalone response to the original request, without mentioning any of the intermediate discussion.';
const SOM_DEFAULT_DESCRIPTION = 'An agent that uses an inner team of agents to generate responses.';

export interface SocietyOfMindAgentOptions {
  name: string;
  team: Team;
  modelClient: ChatCompletionClient;
  description?: string;
  instruction?: string;
  responsePrompt?: string;
  modelContext?: ChatCompletionContext;
}

export class SocietyOfMindAgent implements ChatAgent {
  readonly provider = 'autogen_agentchat.agents.SocietyOfMindAgent';
  readonly componentType = 'agent' as const;
  readonly name: string;
  readonly description: string;
  private readonly instruction: string;
  private readonly responsePrompt: string;
  private readonly context: ChatCompletionContext;

  constructor(private readonly options: SocietyOfMindAgentOptions) {
    if (!AGENT_NAME.test(options.name))
      throw new ConfigError('config.name', `agent name "${options.name}" must be an identifier (letters, digits, _)`);
    this.name = options.name;
    // AgentChat's _from_config turns an empty string into the default too (`or`).
    this.description = options.description || SOM_DEFAULT_DESCRIPTION;
    this.instruction = options.instruction || SOM_DEFAULT_INSTRUCTION;
    this.responsePrompt = options.responsePrompt || SOM_DEFAULT_RESPONSE_PROMPT;
    this.context = options.modelContext ?? new UnboundedChatCompletionContext();
  }

  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    let task: ChatMessage[] = [...newMessages];
    const previous = this.context.getMessages();
    if (previous.length > 0) {
      task = [createMessage('HandoffMessage', this.name, { content: 'relevant previous messages', target: '', context: previous }), ...task];
    }
    const inner: ChatMessage[] = [];
    let sawAny = false;
    let finished = false;
    for await (const item of this.options.team.runStream(task.length > 0 ? task : undefined, {
      signal: ctx.signal,
      io: ctx.io,
      outputTaskMessages: false,
    })) {
      if (isTaskResult(item)) {
        finished = true;
        continue;
      }
      yield item;
      if (!isRecordedMessage(item)) continue;
      sawAny = true;
      if (isChatMessage(item)) inner.push(item);
    }
    if (!finished) throw new RunStateError(`${this.name}: the inner team ended without a result`);

    if (!sawAny) {
      yield { type: 'Response', chat_message: createMessage('TextMessage', this.name, { content: 'No response.' }), inner_messages: [] };
    } else {
      const several = (this.options.modelClient.modelInfo as { multiple_system_messages?: boolean }).multiple_system_messages === true;
      const framing = (content: string): LLMMessage =>
        several ? { type: 'SystemMessage', content } : { type: 'UserMessage', content, source: 'user' };
      const request: LLMMessage[] = [framing(this.instruction), ...inner.map(chatMessageToLLM), framing(this.responsePrompt)];
      const completion = await this.options.modelClient.create(request, { signal: ctx.signal });
      if (typeof completion.content !== 'string') throw new ModelError(`${this.name}: the model answered the transcript with tool calls`);
      yield {
        type: 'Response',
        chat_message: createMessage('TextMessage', this.name, { content: completion.content }, { models_usage: completion.usage }),
        inner_messages: [],
      };
    }
    for (const m of receivedToLLM(newMessages)) this.context.addMessage(m);
    await this.options.team.reset();
  }

  async reset(): Promise<void> {
    await this.options.team.reset();
    this.context.clear();
  }

  /** As AgentChat: the inner team's state only. */
  async saveState(): Promise<AgentState> {
    return {
      type: 'SocietyOfMindAgentState',
      version: 1,
      inner_team_state: (await this.options.team.saveState()) as unknown as Record<string, unknown>,
    };
  }

  async loadState(state: AgentState): Promise<void> {
    if (state.type !== 'SocietyOfMindAgentState') throw new RunStateError(`${this.name} is a SocietyOfMindAgent and cannot load a ${state.type}`);
    await this.options.team.loadState(state.inner_team_state);
  }

  async close(): Promise<void> {
    await Promise.all([this.options.team.close(), this.options.modelClient.close()]);
  }

  toConfig(): Record<string, unknown> {
    return {
      name: this.name,
      team: dumpComponent(this.options.team),
      model_client: dumpComponent(this.options.modelClient),
      description: this.description,
      instruction: this.instruction,
      response_prompt: this.responsePrompt,
      model_context: dumpComponent(this.context),
    };
  }
}
