import type { Component } from '../common/component.js';
import type { JsonObject, JsonValue } from '../common/json.js';

/**
 * Small builders for the ComponentModels of the default gallery, so the demo teams below read
 * as team descriptions rather than pages of JSON. They produce exactly the AGS shapes of
 * test/fixtures/teams.
 */

type ComponentType = 'team' | 'agent' | 'model' | 'tool' | 'workbench' | 'termination' | 'chat_completion_context';

export function component(
  provider: string,
  component_type: ComponentType,
  config: JsonObject,
  label = provider.slice(provider.lastIndexOf('.') + 1),
  description = '',
): Component {
  return { provider, component_type, version: 1, component_version: 1, description, label, config };
}

/** A scripted model reply: a string streams word by word; a result object arrives whole. */
export type ScriptedReply =
  | string
  | { finish_reason: 'stop' | 'function_calls'; content: JsonValue; usage: { prompt_tokens: number; completion_tokens: number }; cached: false };

/** A reply that calls one tool (or a `transfer_to_<agent>` hand-off). */
export function toolCall(id: string, name: string, args: JsonObject = {}): ScriptedReply {
  return {
    finish_reason: 'function_calls',
    content: [{ id, name, arguments: JSON.stringify(args) }],
    usage: { prompt_tokens: 40, completion_tokens: 12 },
    cached: false,
  };
}

/**
 * The model a demo agent uses: a replay client with its script, or, when an OpenAI key is
 * configured, gpt-4o-mini. The key itself is never stored in a config; the engine reads it from
 * the environment.
 */
export function modelClient(script: ScriptedReply[], useOpenAI: boolean): Component {
  if (useOpenAI) {
    return component(
      'autogen_ext.models.openai.OpenAIChatCompletionClient',
      'model',
      { model: 'gpt-4o-mini' },
      'OpenAIChatCompletionClient',
      'OpenAI GPT-4o-mini',
    );
  }
  return component(
    'autogen_ext.models.replay.ReplayChatCompletionClient',
    'model',
    { chat_completions: script },
    'ReplayChatCompletionClient',
    'Scripted replies (no API key needed)',
  );
}

/** An AGS FunctionTool entry. The engine resolves it by `name` and never runs `source_code`. */
export function functionTool(name: string, description: string, signature: string): Component {
  return component(
    'autogen_core.tools.FunctionTool',
    'tool',
    {
      name,
      description,
      source_code: `${signature}\n    ...`,
      global_imports: [],
      has_cancellation_support: false,
    },
    name,
    description,
  );
}

export function staticWorkbench(tools: Component[]): Component {
  return component('autogen_core.tools.StaticWorkbench', 'workbench', { tools }, 'StaticWorkbench');
}

interface AssistantOptions {
  name: string;
  description: string;
  systemMessage: string;
  model: Component;
  tools?: Component[];
  handoffs?: (string | { target: string; description: string })[];
  stream?: boolean;
  reflectOnToolUse?: boolean;
  maxToolIterations?: number;
}

export function assistantAgent(o: AssistantOptions): Component {
  return component(
    'autogen_agentchat.agents.AssistantAgent',
    'agent',
    {
      name: o.name,
      description: o.description,
      system_message: o.systemMessage,
      model_client: o.model,
      workbench: o.tools && o.tools.length > 0 ? [staticWorkbench(o.tools)] : [],
      handoffs: o.handoffs ?? [],
      model_context: component('autogen_core.model_context.UnboundedChatCompletionContext', 'chat_completion_context', {}),
      model_client_stream: o.stream ?? true,
      reflect_on_tool_use: o.reflectOnToolUse ?? false,
      tool_call_summary_format: '{result}',
      max_tool_iterations: o.maxToolIterations ?? 1,
      metadata: {},
    },
    'AssistantAgent',
    o.description,
  );
}

export function userProxyAgent(name: string, description: string): Component {
  return component('autogen_agentchat.agents.UserProxyAgent', 'agent', { name, description }, 'UserProxyAgent', description);
}

export const textMention = (text: string): Component =>
  component(
    'autogen_agentchat.conditions.TextMentionTermination',
    'termination',
    { text },
    'TextMentionTermination',
    `Stop when "${text}" is mentioned`,
  );

export const maxMessages = (max_messages: number): Component =>
  component(
    'autogen_agentchat.conditions.MaxMessageTermination',
    'termination',
    { max_messages, include_agent_event: false },
    'MaxMessageTermination',
    `Stop after ${max_messages} messages`,
  );

export const handoffTermination = (target: string): Component =>
  component('autogen_agentchat.conditions.HandoffTermination', 'termination', { target }, 'HandoffTermination', `Stop on a hand-off to ${target}`);

export const anyOf = (...conditions: Component[]): Component =>
  component('autogen_agentchat.base.OrTerminationCondition', 'termination', { conditions }, 'OrTerminationCondition');
