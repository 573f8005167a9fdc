/**
 * The engine's load context for this server: which tools a team config may name (built-ins, the
 * demo gallery's, the operator's TOOLS_DIR modules, the web tools) and the Python sandbox for
 * the rest, the server's model keys bound to their endpoints, the egress policy (EGRESS_ALLOW,
 * trusting the operator's endpoints), the pinned MCP stdio servers, and the web surfer's browser
 * and search page (CHROMIUM_PATH, WEB_SURFER_SEARCH_URL). Built once at boot; the
 * sandbox's processes start when a config first needs Python.
 */
import { Logger, type FactoryProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { credentialsFromEnv, pythonSandboxFor, serverEgressPolicy, standardToolRegistry, type LoadContext } from '../engine/index.js';
import { demoTools } from '../gallery/demo-tools.js';

export const ENGINE_CONTEXT = Symbol('ENGINE_CONTEXT');

export async function createEngineContext(config: AppConfig): Promise<LoadContext> {
  const credentials = credentialsFromEnv({
    OPENAI_API_KEY: config.openai.apiKey,
    OPENAI_BASE_URL: config.openai.baseUrl,
    AZURE_OPENAI_API_KEY: config.azure.apiKey,
    AZURE_OPENAI_ENDPOINT: config.azure.endpoint,
    ANTHROPIC_API_KEY: config.anthropic.apiKey,
    ANTHROPIC_BASE_URL: config.anthropic.baseUrl,
  });
  const { tools: t } = config;
  // The CLI builds the same registry and sandbox (cli/run-command.ts, loadContext).
  const tools = await standardToolRegistry({
    extra: demoTools(),
    toolsDir: config.engine.toolsDir,
    web: {
      maxOutputChars: t.maxOutputChars,
      google: { apiKey: t.googleApiKey, cseId: t.googleCseId },
      openai: credentials.openai,
      imagesDir: t.imagesDir,
    },
  });
  const logger = new Logger('Engine');
  const python = pythonSandboxFor(
    {
      mode: t.python,
      poolSize: t.pythonPoolSize,
      maxProcesses: t.pythonMaxProcesses,
      maxProcessesPerUser: t.pythonMaxProcessesPerUser,
      timeoutMs: t.pythonTimeoutMs,
      memoryMb: t.pythonMemoryMb,
      maxOutputChars: t.maxOutputChars,
    },
    (message) => logger.warn(message),
  );
  return {
    tools,
    credentials,
    egress: serverEgressPolicy(credentials, { allow: config.engine.egressAllow, maxResponseBytes: config.engine.egressMaxResponseBytes }),
    mcpServers: config.engine.mcpServers,
    webSurfer: t.webSurfer,
    log: { warn: (message) => logger.warn(message) },
    ...(python ? { python } : {}),
  };
}

export const engineContextProvider: FactoryProvider<Promise<LoadContext>> = {
  provide: ENGINE_CONTEXT,
  inject: [APP_CONFIG],
  useFactory: createEngineContext,
};
