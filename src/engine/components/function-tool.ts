/**
 * An AGS `autogen_core.tools.FunctionTool`: the config as loaded, around the tool that does the
 * work. That is a registered tool of the same name when there is one (built-ins, TOOLS_DIR, the
 * web tools); otherwise the config's own Python `source_code`, run in the sandbox
 * (tools/python-function-tool.ts). Either way the config round-trips unchanged.
 */
import type { ToolSchema } from '../models/model-client.js';
import type { Tool, ToolContext, ToolResult } from '../tools/tool.js';
import type { Configurable } from './component-model.js';

export const FUNCTION_TOOL_PROVIDER = 'autogen_core.tools.FunctionTool';

export interface FunctionToolConfig {
  name: string;
  description?: string | null;
  source_code?: string | null;
  global_imports?: unknown[] | null;
  has_cancellation_support?: boolean | null;
  [key: string]: unknown;
}

export class FunctionTool implements Tool, Configurable {
  readonly provider = FUNCTION_TOOL_PROVIDER;
  readonly componentType = 'tool' as const;
  readonly name: string;
  readonly description: string;
  readonly schema: ToolSchema;

  /**
   * `target` is the registered tool that does the work; `config` is the AGS config as loaded;
   * `fetch` (the load context's egress fetch) is handed to the tool in its context.
   */
  constructor(
    readonly target: Tool,
    private readonly config: FunctionToolConfig,
    private readonly fetch?: typeof globalThis.fetch,
  ) {
    this.name = target.name;
    // The config's description is what the AGS user edited, so the model sees that one.
    this.description = config.description || target.description;
    this.schema = { ...target.schema, description: this.description };
  }

  run(args: unknown, context: ToolContext): Promise<ToolResult> {
    return this.target.run(args, this.fetch && !context.fetch ? { ...context, fetch: this.fetch } : context);
  }

  toConfig(): Record<string, unknown> {
    return { ...this.config };
  }

  /** The config for a plain registered tool that was not loaded from a FunctionTool config. */
  static configFor(t: Tool): FunctionToolConfig {
    return { name: t.name, description: t.description, source_code: '', global_imports: [], has_cancellation_support: false };
  }
}
