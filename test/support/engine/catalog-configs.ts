/**
 * ComponentModels as AGS / AgentChat dump them (every envelope field and every config key), for
 * the catalogue specs: built small here so each spec shows only what it is about, and exact so
 * that load → dump gives them back unchanged.
 */
import type { ComponentModel } from '../../../src/engine/components/component-model.js';
import { ReplayChatCompletionClient, type ReplayEntry } from '../../../src/engine/models/replay-client.js';
import type { CreateOptions, CreateResult, LLMMessage, ModelStreamItem } from '../../../src/engine/models/model-client.js';

export function component(provider: string, componentType: string, config: Record<string, unknown>, label?: string): ComponentModel {
  return {
    provider,
    component_type: componentType as ComponentModel['component_type'],
    version: 1,
    component_version: 1,
    description: '',
    label: label ?? provider.split('.').pop()!,
    config,
  };
}

export function replayModel(completions: ReplayEntry[]): ComponentModel {
  return component('autogen_ext.models.replay.ReplayChatCompletionClient', 'model', { chat_completions: completions });
}

export function unboundedContext(): ComponentModel {
  return component('autogen_core.model_context.UnboundedChatCompletionContext', 'chat_completion_context', {});
}

/** An AssistantAgent answering with the scripted completions, as AGS dumps one without tools. */
export function assistant(name: string, completions: ReplayEntry[], systemMessage = `You are ${name}.`): ComponentModel {
  return component('autogen_agentchat.agents.AssistantAgent', 'agent', {
    name,
    description: `The ${name} agent.`,
    system_message: systemMessage,
    model_client: replayModel(completions),
    workbench: [],
    handoffs: [],
    model_context: unboundedContext(),
    model_client_stream: false,
    reflect_on_tool_use: false,
    tool_call_summary_format: '{result}',
    max_tool_iterations: 1,
    metadata: {},
  });
}

export function textMention(text: string): ComponentModel {
  return component('autogen_agentchat.conditions.TextMentionTermination', 'termination', { text });
}

export function maxMessages(max: number): ComponentModel {
  return component('autogen_agentchat.conditions.MaxMessageTermination', 'termination', { max_messages: max, include_agent_event: false });
}

/** A RoundRobinGroupChat; `extra` adds name, description, termination_condition, max_turns. */
export function roundRobin(participants: ComponentModel[], extra: Record<string, unknown> = {}): ComponentModel {
  return component('autogen_agentchat.teams.RoundRobinGroupChat', 'team', { ...extra, participants, emit_team_events: false });
}

/** A replay model that also keeps every request it was sent, to check what an agent or team asked. */
export class RecordingReplayClient extends ReplayChatCompletionClient {
  readonly requests: LLMMessage[][] = [];

  override create(messages: LLMMessage[], options?: CreateOptions): Promise<CreateResult> {
    this.requests.push(structuredClone(messages));
    return super.create(messages, options);
  }

  override createStream(messages: LLMMessage[], options?: CreateOptions): AsyncIterable<ModelStreamItem> {
    this.requests.push(structuredClone(messages));
    return super.createStream(messages, options);
  }
}
