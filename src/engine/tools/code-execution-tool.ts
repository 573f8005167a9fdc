/**
 * AGS's `autogen_ext.tools.code_execution.PythonCodeExecutionTool`: the model sends a Python code
 * block and reads its output. Whatever executor the config names (AGS's gallery names a
 * LocalCommandLineCodeExecutor, which would run it on the host), the code runs in the sandbox;
 * the executor's config is kept only for round-trips, and its `timeout` (seconds) may shorten
 * the sandbox's limit, never lengthen it.
 *
 * Output is AgentChat's CodeResult text as a LocalCommandLineCodeExecutor makes it: stderr, then
 * stdout; a timeout appends "\nTimeout". Like AgentChat, a failing script is a normal result
 * (its traceback is the output), not a tool error.
 */
import { z } from 'zod';
import type { Configurable } from '../components/component-model.js';
import type { ToolSchema } from '../models/model-client.js';
import type { PythonSandbox } from '../sandbox/python-sandbox.js';
import { SandboxFailure } from '../sandbox/sandbox-process.js';
import type { Tool, ToolContext, ToolResult } from './tool.js';

export const CODE_EXECUTION_TOOL_PROVIDER = 'autogen_ext.tools.code_execution.PythonCodeExecutionTool';

export const CodeExecutionToolConfigSchema = z.looseObject({
  executor: z.looseObject({ provider: z.string(), config: z.record(z.string(), z.unknown()).optional() }),
  description: z.string().nullish(),
});

const ArgsSchema = z.object({ code: z.string() });

export class PythonCodeExecutionTool implements Tool, Configurable {
  readonly provider = CODE_EXECUTION_TOOL_PROVIDER;
  readonly componentType = 'tool' as const;
  /** AgentChat's name for it. */
  readonly name = 'CodeExecutor';
  readonly description: string;
  readonly schema: ToolSchema;
  private readonly timeoutMs: number | undefined;

  constructor(
    private readonly sandbox: PythonSandbox,
    private readonly config: Record<string, unknown>,
  ) {
    const parsed = CodeExecutionToolConfigSchema.parse(config);
    this.description = parsed.description || 'Execute Python code blocks.';
    const timeout = parsed.executor.config?.timeout;
    this.timeoutMs = typeof timeout === 'number' && timeout > 0 ? timeout * 1000 : undefined;
    this.schema = {
      name: this.name,
      description: this.description,
      parameters: {
        type: 'object',
        properties: { code: { description: 'The contents of the Python code block that should be executed', title: 'Code', type: 'string' } },
        required: ['code'],
      },
    };
  }

  async run(args: unknown, context: ToolContext): Promise<ToolResult> {
    const parsed = ArgsSchema.safeParse(args);
    if (!parsed.success) return { content: `Invalid arguments for ${this.name}: code: a string is required`, isError: true };
    try {
      const result = await this.sandbox.runCode(parsed.data.code, {
        signal: context.signal,
        ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}),
      });
      return { content: result.output, isError: false };
    } catch (error) {
      if (context.signal.aborted) throw error;
      // The process (and the output so far) is gone; AgentChat's executor reports a timeout this way.
      if (error instanceof SandboxFailure && error.kind === 'timeout') return { content: '\nTimeout', isError: false };
      return { content: `Error: ${(error as Error).message}`, isError: true };
    }
  }

  toConfig(): Record<string, unknown> {
    return { ...this.config };
  }
}
