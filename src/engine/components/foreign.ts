/**
 * Component descriptions for the model clients and the MCP workbench, whose classes know their
 * config (`toConfig()`) but not their AGS provider string.
 */
import { AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient } from '../models/openai-client.js';
import { McpWorkbench } from '../tools/mcp-workbench.js';
import type { ComponentType } from './component-model.js';

export interface ForeignDescription {
  provider: string;
  componentType: ComponentType;
  config: Record<string, unknown>;
}

export function foreignConfig(instance: unknown): ForeignDescription | undefined {
  if (instance instanceof AzureOpenAIChatCompletionClient) {
    return {
      provider: 'autogen_ext.models.openai.AzureOpenAIChatCompletionClient',
      componentType: 'model',
      config: { ...instance.toConfig() },
    };
  }
  if (instance instanceof OpenAIChatCompletionClient) {
    return {
      provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
      componentType: 'model',
      config: { ...instance.toConfig() },
    };
  }
  if (instance instanceof McpWorkbench) {
    return { provider: 'autogen_ext.tools.mcp.McpWorkbench', componentType: 'workbench', config: { ...instance.toConfig() } };
  }
  return undefined;
}
