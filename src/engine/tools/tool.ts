/**
 * Tools: a name, a description, a zod schema for the arguments and an `execute` function.
 * Arguments are validated before `execute` runs; a bad argument or a throwing tool becomes an
 * error result the model can read, never a crashed run.
 */
import { z } from 'zod';
import type { ToolSchema } from '../models/model-client.js';

export interface ToolContext {
  signal: AbortSignal;
  /**
   * fetch() under the server's egress policy (checked, pinned destination; see engine/egress).
   * A tool that reaches the network for a run uses this, not the global fetch. Present when the
   * tool was loaded from a config (FunctionTool).
   */
  fetch?: typeof globalThis.fetch;
}

export interface ToolResult {
  content: string;
  isError: boolean;
}

export interface Tool {
  readonly name: string;
  readonly description: string;
  readonly schema: ToolSchema;
  /** Runs the tool on raw (unvalidated) arguments. Never throws for a tool-side failure. */
  run(args: unknown, context: ToolContext): Promise<ToolResult>;
}

export interface ToolDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  parameters: S;
  /** Returns the result, or a promise of it. */
  execute: (args: z.infer<S>, context: ToolContext) => unknown;
}

/** What a tool may be called: the OpenAI function-name rule, which the other providers accept too. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Defines a tool. The result of `execute` is sent to the model as text (objects as JSON). */
export function tool<S extends z.ZodType>(definition: ToolDefinition<S>): Tool {
  if (!TOOL_NAME.test(definition.name)) {
    throw new Error(`Tool name "${definition.name}" must match ${TOOL_NAME} (the OpenAI function-name rule)`);
  }
  const parameters = z.toJSONSchema(definition.parameters, { io: 'input' }) as Record<string, unknown>;
  delete parameters.$schema;
  return {
    name: definition.name,
    description: definition.description,
    schema: { name: definition.name, description: definition.description, parameters },
    async run(args, context) {
      const parsed = definition.parameters.safeParse(args);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
        return { content: `Invalid arguments for ${definition.name}: ${issues}`, isError: true };
      }
      try {
        const value = await definition.execute(parsed.data, context);
        return { content: typeof value === 'string' ? value : JSON.stringify(value), isError: false };
      } catch (error) {
        if (context.signal.aborted) throw error;
        return { content: `Error: ${error instanceof Error ? error.message : String(error)}`, isError: true };
      }
    },
  };
}

export function isTool(value: unknown): value is Tool {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Tool>;
  return typeof candidate.name === 'string' && typeof candidate.run === 'function' && typeof candidate.schema === 'object';
}
