/**
 * The engine's load context for this server: which tools a team config may name (built-ins, the
 * demo gallery's, and the operator's TOOLS_DIR modules), the server's model keys bound to their
 * endpoints, the egress policy (EGRESS_ALLOW, trusting the operator's endpoints), and the
 * pinned MCP stdio servers. Built once at boot.
 */
import { Logger, type FactoryProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { builtinTools, credentialsFromEnv, loadToolsDir, serverEgressPolicy, ToolRegistry, type LoadContext } from '../engine/index.js';
import { demoTools } from '../gallery/demo-tools.js';

export const ENGINE_CONTEXT = Symbol('ENGINE_CONTEXT');

export async function createEngineContext(config: AppConfig): Promise<LoadContext> {
  const tools = new ToolRegistry([...builtinTools(), ...demoTools()]);
  if (config.engine.toolsDir) for (const t of await loadToolsDir(config.engine.toolsDir)) tools.register(t);
  const credentials = credentialsFromEnv({
    OPENAI_API_KEY: config.openai.apiKey,
    OPENAI_BASE_URL: config.openai.baseUrl,
    AZURE_OPENAI_API_KEY: config.azure.apiKey,
    AZURE_OPENAI_ENDPOINT: config.azure.endpoint,
  });
  const logger = new Logger('Engine');
  return {
    tools,
    credentials,
    egress: serverEgressPolicy(credentials, { allow: config.engine.egressAllow, maxResponseBytes: config.engine.egressMaxResponseBytes }),
    mcpServers: config.engine.mcpServers,
    log: { warn: (message) => logger.warn(message) },
  };
}

export const engineContextProvider: FactoryProvider<Promise<LoadContext>> = {
  provide: ENGINE_CONTEXT,
  inject: [APP_CONFIG],
  useFactory: createEngineContext,
};
