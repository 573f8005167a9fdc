/**
 * The engine's public surface. The Nest layer, the CLI and tests import the engine only from here.
 */

// Messages, events and errors
export * from './messages.js';
export * from './errors.js';

// Model clients
export * from './models/model-client.js';
export { ReplayChatCompletionClient, ReplayEntrySchema, ReplayResultSchema, type ReplayEntry } from './models/replay-client.js';
export { OpenAIChatCompletionClient, AzureOpenAIChatCompletionClient, type ModelClientOptions } from './models/openai-client.js';
export {
  OpenAIClientConfigSchema,
  AzureOpenAIClientConfigSchema,
  type OpenAIClientConfig,
  type AzureOpenAIClientConfig,
} from './models/openai-config.js';

// Tools and workbenches
export { tool, isTool, type Tool, type ToolContext, type ToolDefinition, type ToolResult } from './tools/tool.js';
export { ToolRegistry } from './tools/tool-registry.js';
export { StaticWorkbench, type Workbench } from './tools/workbench.js';
export { McpWorkbench, McpWorkbenchConfigSchema, type McpWorkbenchConfig, type McpWorkbenchOptions } from './tools/mcp-workbench.js';
export {
  PinnedMcpServerSchema,
  PinnedMcpServersSchema,
  isLoadingEnvKey,
  matchPinnedServer,
  readPinnedMcpServers,
  type PinnedMcpServer,
} from './tools/mcp-pinned.js';

// Egress: where requests made for a config may go, and which server credentials go with them
export * from './egress/index.js';
export { builtinTools } from './tools/builtins.js';
export { loadToolsDir } from './tools/tools-dir.js';
export { standardToolRegistry, pythonSandboxFor, type PythonSettings, type StandardToolsOptions } from './tools/standard-tools.js';
export { webTools, type WebToolsOptions } from './tools/web/web-tools.js';
export { BING_RETIRED } from './tools/web/bing-search.js';
export { PythonFunctionTool } from './tools/python-function-tool.js';
export { PythonCodeExecutionTool } from './tools/code-execution-tool.js';
// The Python sandbox
export { PythonSandbox, type PythonSandboxOptions, type CallContext as PythonCallContext } from './sandbox/python-sandbox.js';
export { SandboxFailure, type SandboxFailureKind } from './sandbox/sandbox-process.js';
export { setSandboxOwner, sandboxOwnerOf } from './sandbox/run-owner.js';

// Agents
export { isResponse, type AgentContext, type AgentStreamItem, type ChatAgent, type Response } from './agents/chat-agent.js';
export { AssistantAgent, type AssistantAgentOptions } from './agents/assistant-agent.js';
export { UserProxyAgent, type UserProxyAgentOptions } from './agents/user-proxy-agent.js';
export { resolveHandoff, type Handoff, type HandoffConfig } from './agents/handoffs.js';
export { UnboundedChatCompletionContext, BufferedChatCompletionContext, type ChatCompletionContext } from './agents/model-context.js';

// Saved state (continuing a conversation in a freshly loaded team)
export { AgentStateSchema, TeamStateSchema, ModelContextStateSchema, type AgentState, type TeamState, type ModelContextState } from './state.js';

// Teams
export { isTaskResult, type RunOptions, type TaskInput, type Team, type TeamStreamItem } from './teams/team.js';
export { BaseGroupChat, type GroupChatOptions } from './teams/group-chat.js';
export { RoundRobinGroupChat } from './teams/round-robin-group-chat.js';
export { SelectorGroupChat, DEFAULT_SELECTOR_PROMPT, type SelectorGroupChatOptions } from './teams/selector-group-chat.js';
export { Swarm } from './teams/swarm.js';

// Driving a run: the one loop every front end uses
export { driveTeam, INTERNAL_RUN_ERROR, stopReasons, type DriveLimits, type DriveOptions, type TeamSource } from './driver/drive-team.js';
export { builtInPrices, costOf, loadPrices, PriceFileError, PriceTable, type ModelPrice, type PricedTokens } from './cost/prices.js';
export type { CostSummary, ModelCost, RunCost } from './cost/run-cost.js';
export { tagUsageModel, usageModel } from './cost/usage-model.js';
export { hashUserId, runSpanContext, type RunTelemetry } from './telemetry/index.js';
export type { RunEvent, RunOutcome, RunStatus } from './driver/run-outcome.js';

// Termination conditions
export { TerminationCondition, OrTerminationCondition, AndTerminationCondition } from './conditions/termination-condition.js';
export {
  TextMentionTermination,
  StopMessageTermination,
  HandoffTermination,
  SourceMatchTermination,
  TextMessageTermination,
} from './conditions/text-conditions.js';
export {
  MaxMessageTermination,
  TokenUsageTermination,
  TimeoutTermination,
  ExternalTermination,
  type TokenLimits,
} from './conditions/limit-conditions.js';

// Components
export { ComponentModelSchema, COMPONENT_TYPES, type ComponentModel, type ComponentType, type Configurable } from './components/component-model.js';
export { loadTeam, loadComponent } from './components/loader.js';
export { validateComponent, type ValidationIssue, type ValidationResult } from './components/validate.js';
export { dumpComponent } from './components/dump.js';
export { findEntry, knownProviders } from './components/registry.js';
export { FunctionTool } from './components/function-tool.js';
export * from './observer.js';
export { ComponentConfigError, egressOf, type LoadContext, type ComponentTypeMap, type WebSurferSettings } from './components/registry-types.js';

// IO
export { getDefaultIOStream, setGlobalDefaultIOStream, withIOStream, type InputOptions, type IOStream } from './io/io-stream.js';
export { IOConsole, type IOConsoleOptions } from './io/io-console.js';

// The rest of AgentChat's catalogue (entries-catalog-ext.ts).
export { OllamaChatCompletionClient } from './models/ollama-client.js';
export { ChatCompletionCache } from './models/cache-client.js';
export { InMemoryStore, type CacheStore } from './models/cache-store.js';
export { HeadAndTailChatCompletionContext, TokenLimitedChatCompletionContext, approximateTokens } from './agents/model-context-limited.js';
export { ListMemory } from './memory/list-memory.js';
export type { Memory, UpdateContextResult } from './memory/memory.js';
export { HttpTool } from './tools/http-tool.js';
export { FunctionCallTermination } from './conditions/function-call-termination.js';
