/**
 * Registry entries for model clients, model contexts, tools and workbenches. A FunctionTool is
 * resolved by name in the LoadContext's ToolRegistry first (built-ins, TOOLS_DIR, the web tools);
 * otherwise its Python `source_code` runs in the LoadContext's sandbox, when there is one.
 */
import { z } from 'zod';
import { BufferedChatCompletionContext, UnboundedChatCompletionContext } from '../agents/model-context.js';
import type { LLMMessage } from '../models/model-client.js';
import { AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient } from '../models/openai-client.js';
import type { AzureOpenAIClientConfig, OpenAIClientConfig } from '../models/openai-config.js';
import { ModelInfoSchema } from '../models/openai-config.js';
import { ReplayChatCompletionClient, ReplayEntrySchema } from '../models/replay-client.js';
import { CODE_EXECUTION_TOOL_PROVIDER, CodeExecutionToolConfigSchema, PythonCodeExecutionTool } from '../tools/code-execution-tool.js';
import { McpWorkbench, type McpWorkbenchConfig } from '../tools/mcp-workbench.js';
import { GlobalImportSchema, PythonFunctionTool } from '../tools/python-function-tool.js';
import { StaticWorkbench } from '../tools/workbench.js';
import { ComponentModelSchema } from './component-model.js';
import { FunctionTool } from './function-tool.js';
import { ConfigError } from '../errors.js';
import type { PythonSandbox } from '../sandbox/python-sandbox.js';
import { ComponentConfigError, defineEntry, egressOf, type RegistryEntry } from './registry-types.js';

/** The model clients validate their own configs (naming the bad key), so only the shape is checked here. */
const AnyConfig = z.record(z.string(), z.unknown());

const FunctionCallSchema = z.object({ id: z.string(), name: z.string(), arguments: z.string() });
export const LLMMessageSchema: z.ZodType<LLMMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SystemMessage'), content: z.string() }),
  z.object({
    type: z.literal('UserMessage'),
    content: z.union([z.string(), z.array(z.union([z.string(), z.object({ url: z.string(), alt: z.string().optional() })]))]),
    source: z.string(),
  }),
  z.object({
    type: z.literal('AssistantMessage'),
    content: z.union([z.string(), z.array(FunctionCallSchema)]),
    source: z.string(),
    thought: z.string().optional(),
  }),
  z.object({
    type: z.literal('FunctionExecutionResultMessage'),
    content: z.array(z.object({ content: z.string(), name: z.string(), call_id: z.string(), is_error: z.boolean() })),
  }),
]);
const initialMessages = z.array(LLMMessageSchema).nullish();

export const modelAndToolEntries: RegistryEntry[] = [
  defineEntry({
    provider: 'autogen_ext.models.openai.OpenAIChatCompletionClient',
    componentType: 'model',
    schema: AnyConfig,
    // The server's key goes only to its own endpoint; every request passes the egress policy.
    load: (_c, scope, raw) => new OpenAIChatCompletionClient(raw as OpenAIClientConfig, egressOf(scope.ctx)),
  }),
  defineEntry({
    provider: 'autogen_ext.models.openai.AzureOpenAIChatCompletionClient',
    componentType: 'model',
    schema: AnyConfig,
    load: (_c, scope, raw) => new AzureOpenAIChatCompletionClient(raw as AzureOpenAIClientConfig, egressOf(scope.ctx)),
  }),
  defineEntry({
    provider: 'autogen_ext.models.replay.ReplayChatCompletionClient',
    componentType: 'model',
    schema: z.object({ chat_completions: z.array(ReplayEntrySchema), model_info: ModelInfoSchema.nullish() }),
    load: (c) => new ReplayChatCompletionClient(c.chat_completions, c.model_info ?? undefined),
  }),
  defineEntry({
    provider: 'autogen_core.model_context.UnboundedChatCompletionContext',
    componentType: 'chat_completion_context',
    schema: z.object({ initial_messages: initialMessages }),
    load: (c) => new UnboundedChatCompletionContext(c.initial_messages ?? []),
  }),
  defineEntry({
    provider: 'autogen_core.model_context.BufferedChatCompletionContext',
    componentType: 'chat_completion_context',
    schema: z.object({ buffer_size: z.number().int().positive(), initial_messages: initialMessages }),
    load: (c) => new BufferedChatCompletionContext(c.buffer_size, c.initial_messages ?? []),
  }),
  defineEntry({
    provider: 'autogen_core.tools.FunctionTool',
    componentType: 'tool',
    schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().nullish(),
      source_code: z.string().nullish(),
      global_imports: z.array(z.unknown()).nullish(),
      has_cancellation_support: z.boolean().nullish(),
    }),
    load: (c, scope, raw) => {
      const target = scope.ctx.tools.get(c.name) ?? fromSource(c, scope.ctx.python);
      if (!target && scope.ctx.python) {
        throw new ComponentConfigError(
          scope.path,
          `FunctionTool "${c.name}" has no source_code and is not a registered tool`,
          'Give it its Python source_code, or register a tool by that name (TOOLS_DIR)',
        );
      }
      if (!target) {
        const registered = scope.ctx.tools.names();
        throw new ComponentConfigError(
          scope.path,
          `FunctionTool "${c.name}" is not a registered tool (its Python source_code is never run); registered tools: ${registered.length ? registered.join(', ') : '(none)'}`,
          `Register a tool named "${c.name}": export it from a JS module in the TOOLS_DIR directory, or add it to the ToolRegistry`,
        );
      }
      // A tool that fetches gets the egress policy's fetch, like the model clients and MCP.
      return new FunctionTool(target, { ...raw, name: c.name }, egressOf(scope.ctx).egress.fetch);
    },
  }),
  defineEntry({
    provider: CODE_EXECUTION_TOOL_PROVIDER,
    componentType: 'tool',
    schema: CodeExecutionToolConfigSchema,
    load: (_c, scope, raw) => {
      if (!scope.ctx.python) {
        throw new ComponentConfigError(
          scope.path,
          'PythonCodeExecutionTool runs code only in the Python sandbox, which is off on this server',
          'Set PYTHON_TOOLS=sandbox',
        );
      }
      // Whatever executor the config names, the code runs in the sandbox, never on the host.
      const tool = new PythonCodeExecutionTool(scope.ctx.python, raw);
      scope.ctx.python.warm();
      return tool;
    },
  }),
  defineEntry({
    provider: 'autogen_core.tools.StaticWorkbench',
    componentType: 'workbench',
    schema: z.object({ tools: z.array(ComponentModelSchema) }),
    load: (c, scope) => new StaticWorkbench(c.tools.map((t, i) => scope.load(t, 'tool', 'tools', i))),
  }),
  defineEntry({
    provider: 'autogen_ext.tools.mcp.McpWorkbench',
    componentType: 'workbench',
    // The workbench checks its own config: a stdio server must be pinned, a URL must pass the policy.
    schema: AnyConfig,
    load: (_c, scope, raw) => {
      const log = scope.ctx.log;
      return new McpWorkbench(raw as McpWorkbenchConfig, {
        servers: scope.ctx.mcpServers ?? [],
        egress: egressOf(scope.ctx).egress,
        ...(log ? { log: (line: string) => log.warn(line) } : {}),
      });
    },
  }),
];

/**
 * A FunctionTool whose name no registered tool has runs its own Python in the sandbox: unless
 * the sandbox is off or there is no source (then the caller refuses it, as it always did).
 */
function fromSource(
  c: { name: string; description?: string | null; source_code?: string | null; global_imports?: unknown[] | null },
  python: PythonSandbox | undefined,
): PythonFunctionTool | undefined {
  if (!python || !c.source_code?.trim()) return undefined;
  const imports = (c.global_imports ?? []).map((entry, i) => {
    const parsed = GlobalImportSchema.safeParse(entry);
    if (!parsed.success) throw new ConfigError(`config.global_imports[${i}]`, 'not an import (a module name, {module, imports} or {name, alias})');
    return parsed.data;
  });
  const tool = new PythonFunctionTool(python, { name: c.name, description: c.description, source: c.source_code, globalImports: imports });
  // Pyodide takes seconds to start: begin now, so the run's first call finds the pool warm.
  python.warm();
  return tool;
}
