/**
 * dumpComponent: any loaded engine object back to its AGS ComponentModel. Engine classes describe
 * themselves (Configurable); the few classes from other modules are handled here by type.
 */
import { ConfigError } from '../errors.js';
import { ReplayChatCompletionClient } from '../models/replay-client.js';
import { isTool } from '../tools/tool.js';
import { StaticWorkbench } from '../tools/workbench.js';
import { getComponentMeta, isConfigurable, type ComponentModel, type ComponentType } from './component-model.js';
import { FunctionTool, FUNCTION_TOOL_PROVIDER } from './function-tool.js';
import { foreignConfig } from './foreign.js';

/** Writes an engine object (team, agent, model client, tool, workbench, context, condition) as a ComponentModel. */
export function dumpComponent(instance: unknown): ComponentModel {
  const described = describe(instance);
  const meta = typeof instance === 'object' && instance !== null ? getComponentMeta(instance) : undefined;
  const className = described.provider.split('.').pop() ?? described.provider;
  return {
    provider: described.provider,
    // A few AgentChat classes dump a component_type of their own (ChatCompletionCache: chat_completion_cache).
    component_type: (dumpedTypeOf(instance) ?? described.componentType) as ComponentType,
    version: meta?.version ?? 1,
    component_version: meta?.component_version ?? 1,
    description: meta?.description ?? '',
    label: meta?.label ?? className,
    config: described.config,
  };
}

interface Described {
  provider: string;
  componentType: ComponentType;
  config: Record<string, unknown>;
}

function describe(instance: unknown): Described {
  if (isConfigurable(instance)) {
    return { provider: instance.provider, componentType: instance.componentType, config: instance.toConfig() };
  }
  if (instance instanceof ReplayChatCompletionClient) {
    return {
      provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
      componentType: 'model',
      config: { chat_completions: [...instance.chatCompletions] },
    };
  }
  if (instance instanceof StaticWorkbench) {
    return {
      provider: 'autogen_core.tools.StaticWorkbench',
      componentType: 'workbench',
      config: { tools: instance.tools.map((t) => dumpComponent(t)) },
    };
  }
  const foreign = foreignConfig(instance);
  if (foreign) return foreign;
  if (isTool(instance)) {
    return { provider: FUNCTION_TOOL_PROVIDER, componentType: 'tool', config: { ...FunctionTool.configFor(instance) } };
  }
  throw new ConfigError('', `cannot dump ${describeValue(instance)} as a component`);
}

function dumpedTypeOf(instance: unknown): string | undefined {
  const value = typeof instance === 'object' && instance !== null ? (instance as { dumpedComponentType?: unknown }).dumpedComponentType : undefined;
  return typeof value === 'string' ? value : undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return typeof value;
}
