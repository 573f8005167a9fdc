/**
 * The shapes the component registry is made of: what a load may use (LoadContext), what each
 * provider entry provides, and which engine type each component_type loads into.
 */
import type { EngineObserver } from '../observer.js';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ChatAgent } from '../agents/chat-agent.js';
import type { ChatCompletionContext } from '../agents/model-context.js';
import type { TerminationCondition } from '../conditions/termination-condition.js';
import type { ChatCompletionClient } from '../models/model-client.js';
import type { Team } from '../teams/team.js';
import type { Memory } from '../memory/memory.js';
import type { Tool } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { Workbench } from '../tools/workbench.js';
import type { PinnedMcpServer } from '../tools/mcp-pinned.js';
import type { PythonSandbox } from '../sandbox/python-sandbox.js';
import { credentialsFromEnv, serverEgressPolicy, type EgressPolicy, type ServerCredentials } from '../egress/index.js';
import type { ComponentType } from './component-model.js';

/** What loading a config may draw on. Nothing in a config can reach past this. */
export interface LoadContext {
  /** The tools a FunctionTool config may name. */
  tools: ToolRegistry;
  /**
   * The server's model keys, each bound to the endpoint it belongs to (OPENAI_API_KEY to
   * OPENAI_BASE_URL or the official endpoint, AZURE_OPENAI_API_KEY to AZURE_OPENAI_ENDPOINT).
   * A model config without its own key gets one only when it names that endpoint.
   * Absent: read from the process environment with credentialsFromEnv.
   */
  credentials?: ServerCredentials;
  /**
   * Where requests made for a config may go (model clients, MCP HTTP/SSE): build it with
   * serverEgressPolicy(credentials, { allow }) so the operator's own endpoints are trusted.
   * Absent: that policy with no EGRESS_ALLOW exceptions (public addresses only).
   */
  egress?: EgressPolicy;
  /** The operator's pinned MCP stdio servers (MCP_SERVERS_FILE). Absent or empty: no stdio server may start. */
  mcpServers?: readonly PinnedMcpServer[];
  /** Server-side diagnostics that must not reach a client (an MCP server's stderr). Absent: console.warn. */
  log?: { warn(message: string): void };
  /**
   * Where Python from configs runs (FunctionTool `source_code`, PythonCodeExecutionTool). Absent
   * (PYTHON_TOOLS=off): a FunctionTool must name a registered tool, and code execution is refused.
   */
  python?: PythonSandbox;
  /**
   * Model-backed agents yield an LLMCallEventMessage per model call (the request messages and the
   * response; AGS's `settings.config.ui.show_llm_call_events`, the run owner's). Absent: off.
   */
  llmCallEvents?: boolean;
  /** Watches every model call (clients wrapped at load) and tool call, for the host's metrics. Absent: none. */
  observer?: EngineObserver;
  /**
   * The MultimodalWebSurfer's browser and search page, from the operator's settings
   * (CHROMIUM_PATH, WEB_SURFER_SEARCH_URL). Absent, or a field absent: Debian's
   * `/usr/bin/chromium` and Bing's results page (as AgentChat's web_search).
   */
  webSurfer?: WebSurferSettings;
}

/** Where the web surfer's browser is and which page its web_search opens. */
export interface WebSurferSettings {
  /** Chromium's executable. */
  chromiumPath?: string;
  /** Results page URL template; `{query}` becomes the URL-encoded query. */
  searchUrl?: string;
}

/** One default policy per context object: its fetch pools sockets, so it is shared by every client. */
const defaultPolicies = new WeakMap<LoadContext, { credentials: ServerCredentials; egress: EgressPolicy }>();

/** The credentials and egress policy a context gives, defaults filled in (see {@link LoadContext}). */
export function egressOf(ctx: LoadContext): { credentials: ServerCredentials; egress: EgressPolicy } {
  if (ctx.credentials && ctx.egress) return { credentials: ctx.credentials, egress: ctx.egress };
  let resolved = defaultPolicies.get(ctx);
  if (!resolved) {
    const credentials = ctx.credentials ?? credentialsFromEnv(process.env);
    resolved = { credentials, egress: ctx.egress ?? serverEgressPolicy(credentials) };
    defaultPolicies.set(ctx, resolved);
  }
  return resolved;
}

/** The engine type each component_type loads into. */
export interface ComponentTypeMap {
  team: Team;
  agent: ChatAgent;
  model: ChatCompletionClient;
  tool: Tool;
  workbench: Workbench;
  termination: TerminationCondition;
  chat_completion_context: ChatCompletionContext;
  memory: Memory;
}

/** Handed to an entry's `load`: the context, where we are, and a way to load nested components. */
export interface LoadScope {
  readonly ctx: LoadContext;
  /** JSON path of the component being loaded ('' for the root). */
  readonly path: string;
  /** Loads the nested component at `config.<segments>` (e.g. `'participants', 1`), checking its type. */
  load<K extends ComponentType>(value: unknown, type: K, ...segments: (string | number)[]): ComponentTypeMap[K];
}

export interface RegistryEntry {
  /** The canonical AGS provider string. */
  readonly provider: string;
  /** Other provider strings accepted for it (the short class name). */
  readonly aliases: readonly string[];
  readonly componentType: ComponentType;
  /** Checks the raw `config`; zod issues become ConfigErrors at `<path>.config.<key>`. */
  readonly schema: z.ZodType;
  /** Builds the instance from the checked config (the raw config is given for exact round-trips). */
  load(config: unknown, scope: LoadScope, raw: Record<string, unknown>): ComponentTypeMap[ComponentType];
}

/** Declares a provider with a typed config. */
export function defineEntry<K extends ComponentType, S extends z.ZodType>(entry: {
  provider: string;
  componentType: K;
  schema: S;
  load: (config: z.output<S>, scope: LoadScope, raw: Record<string, unknown>) => ComponentTypeMap[K];
  aliases?: string[];
}): RegistryEntry {
  const shortName = entry.provider.split('.').pop()!;
  return {
    provider: entry.provider,
    aliases: [shortName, ...(entry.aliases ?? [])],
    componentType: entry.componentType,
    schema: entry.schema,
    // The loader only calls this with the output of `schema`, so the cast holds.
    load: (config, scope, raw) => entry.load(config as z.output<S>, scope, raw),
  };
}

/** A ConfigError that also says how to fix it (shown as `suggestion` by validateComponent). */
export class ComponentConfigError extends ConfigError {
  constructor(
    path: string,
    message: string,
    readonly suggestion?: string,
    options?: { cause?: unknown },
  ) {
    super(path, suggestion ? `${message}. ${suggestion}` : message, options);
    this.rawMessage = message;
  }
  readonly rawMessage: string;
}
