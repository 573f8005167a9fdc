/**
 * AgentTool and TeamTool (AgentChat's autogen_agentchat.tools): an agent or a team called as a
 * tool. The model passes `{"task": "…"}`; the agent or team runs on it as a TextMessage from
 * `user` (keeping its memory between calls, as AgentChat's does) and the tool's result is
 * AgentChat's `return_value_as_string` of the TaskResult: with `return_value_as_last_message`,
 * the last message's text; else every chat message not from `user` as "source: text", joined
 * by a blank line.
 */
import { ConfigError } from '../errors.js';
import { createMessage, isChatMessage, isRecordedMessage, messageToText, type AgentMessage, type TaskResult } from '../messages.js';
import type { ToolSchema } from '../models/model-client.js';
import type { Configurable } from '../components/component-model.js';
import { dumpComponent } from '../components/dump.js';
import type { Tool, ToolContext, ToolResult } from '../tools/tool.js';
import type { Team } from '../teams/team.js';
import { isResponse, type ChatAgent } from './chat-agent.js';
import { TOOL_NAME } from '../tools/tool.js';

/** AgentChat's TaskRunnerToolArgs as the JSON schema its strict tool sends. */
function taskRunnerSchema(name: string, description: string): ToolSchema {
  return {
    name,
    description,
    parameters: {
      type: 'object',
      properties: { task: { description: 'The task to be executed.', title: 'Task', type: 'string' } },
      required: ['task'],
      additionalProperties: false,
    },
    strict: true,
  };
}

/** AgentChat's TaskRunnerTool.return_value_as_string. */
function taskResultToString(result: TaskResult, lastMessageOnly: boolean): string {
  if (lastMessageOnly) {
    const last = result.messages.at(-1);
    if (!last || !isChatMessage(last)) throw new Error('The last message is not a chat message.');
    return messageToText(last);
  }
  return result.messages
    .filter(isChatMessage)
    .filter((m) => m.source !== 'user')
    .map((m) => `${m.source}: ${messageToText(m)}`)
    .join('\n\n');
}

abstract class TaskRunnerTool implements Tool, Configurable {
  readonly componentType = 'tool' as const;
  abstract readonly provider: string;
  readonly schema: ToolSchema;

  constructor(
    readonly name: string,
    readonly description: string,
    protected readonly lastMessageOnly: boolean,
  ) {
    if (!TOOL_NAME.test(name)) throw new ConfigError('config.name', `tool name "${name}" must match ${TOOL_NAME} (the OpenAI function-name rule)`);
    this.schema = taskRunnerSchema(name, description);
  }

  async run(args: unknown, context: ToolContext): Promise<ToolResult> {
    const task = (args as { task?: unknown } | null)?.task;
    if (typeof task !== 'string') return { content: `Invalid arguments for ${this.name}: task: a string is required`, isError: true };
    try {
      return { content: taskResultToString(await this.runTask(task, context.signal), this.lastMessageOnly), isError: false };
    } catch (error) {
      if (context.signal.aborted) throw error;
      return { content: `Error: ${error instanceof Error ? error.message : String(error)}`, isError: true };
    }
  }

  protected abstract runTask(task: string, signal: AbortSignal): Promise<TaskResult>;

  abstract toConfig(): Record<string, unknown>;
}

export class AgentTool extends TaskRunnerTool {
  readonly provider = 'autogen_agentchat.tools.AgentTool';

  constructor(
    readonly agent: ChatAgent,
    returnValueAsLastMessage = false,
  ) {
    super(agent.name, agent.description, returnValueAsLastMessage);
  }

  /** The agent's run (AgentChat's BaseChatAgent.run): the task, the turn's events, its answer. */
  protected async runTask(task: string, signal: AbortSignal): Promise<TaskResult> {
    const taskMessage = createMessage('TextMessage', 'user', { content: task });
    const messages: AgentMessage[] = [taskMessage];
    for await (const item of this.agent.onMessagesStream([taskMessage], { signal })) {
      if (isResponse(item)) {
        messages.push(item.chat_message);
        return { messages, stop_reason: null };
      }
      if (isRecordedMessage(item)) messages.push(item);
    }
    throw new Error(`${this.agent.name} ended its turn without a response`);
  }

  toConfig(): Record<string, unknown> {
    return { agent: dumpComponent(this.agent), return_value_as_last_message: this.lastMessageOnly };
  }
}

export class TeamTool extends TaskRunnerTool {
  readonly provider = 'autogen_agentchat.tools.TeamTool';

  constructor(
    readonly team: Team,
    name: string,
    description: string,
    returnValueAsLastMessage = false,
  ) {
    super(name, description, returnValueAsLastMessage);
  }

  protected runTask(task: string, signal: AbortSignal): Promise<TaskResult> {
    return this.team.run(task, { signal });
  }

  toConfig(): Record<string, unknown> {
    return { name: this.name, description: this.description, team: dumpComponent(this.team), return_value_as_last_message: this.lastMessageOnly };
  }
}
