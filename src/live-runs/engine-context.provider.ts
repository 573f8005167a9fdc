/**
 * The engine's load context for this server: which tools a team config may name (built-ins, the
 * demo gallery's, and the operator's TOOLS_DIR modules), the OpenAI defaults from the
 * environment, and the MCP stdio commands the operator allows. Built once at boot.
 */
import type { FactoryProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { builtinTools, loadToolsDir, ToolRegistry, type LoadContext } from '../engine/index.js';
import { demoTools } from '../gallery/demo-tools.js';

export const ENGINE_CONTEXT = Symbol('ENGINE_CONTEXT');

export async function createEngineContext(config: AppConfig): Promise<LoadContext> {
  const tools = new ToolRegistry([...builtinTools(), ...demoTools()]);
  if (config.engine.toolsDir) for (const t of await loadToolsDir(config.engine.toolsDir)) tools.register(t);
  return {
    tools,
    env: { openaiApiKey: config.openai.apiKey, openaiBaseUrl: config.openai.baseUrl },
    mcpStdioAllow: config.engine.mcpStdioAllow,
  };
}

export const engineContextProvider: FactoryProvider<Promise<LoadContext>> = {
  provide: ENGINE_CONTEXT,
  inject: [APP_CONFIG],
  useFactory: createEngineContext,
};
