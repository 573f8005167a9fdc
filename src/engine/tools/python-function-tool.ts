/**
 * An AGS FunctionTool run from its Python `source_code`, in the sandbox (sandbox/): the function
 * named by the config is defined with the config's `global_imports`, its schema derived from
 * its signature (python-signature.ts), and each call runs in the run's own interpreter. Module
 * state lives as long as the run, as it would in AgentChat's process.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ToolSchema } from '../models/model-client.js';
import type { PythonSandbox } from '../sandbox/python-sandbox.js';
import { docstringSummary, findPythonFunction, parametersSchema } from './python-signature.js';
import type { Tool, ToolContext, ToolResult } from './tool.js';

const DOTTED = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const IDENTIFIER = /^[A-Za-z_]\w*$/;

const AliasSchema = z.object({ name: z.string().regex(DOTTED), alias: z.string().regex(IDENTIFIER) });
/** AgentChat's `Import`: a module name, `{module, imports}` (a from-import), or `{name, alias}`. */
export const GlobalImportSchema = z.union([
  z.string().regex(DOTTED, 'must be a module name such as "os" or "urllib.parse"'),
  z.object({
    module: z.string().regex(DOTTED),
    imports: z
      .array(z.union([z.string().regex(IDENTIFIER), z.object({ name: z.string().regex(IDENTIFIER), alias: z.string().regex(IDENTIFIER) })]))
      .min(1),
  }),
  AliasSchema,
]);
export type GlobalImport = z.infer<typeof GlobalImportSchema>;

/** The import statements AgentChat's `import_to_str` writes for `global_imports`, one a line. */
export function importStatements(imports: readonly GlobalImport[]): string {
  return imports
    .map((i) => {
      if (typeof i === 'string') return `import ${i}`;
      if ('module' in i) return `from ${i.module} import ${i.imports.map((n) => (typeof n === 'string' ? n : `${n.name} as ${n.alias}`)).join(', ')}`;
      return `import ${i.name} as ${i.alias}`;
    })
    .join('\n');
}

export interface PythonFunctionToolSpec {
  /** The tool's name (the config's `name`: what the model calls). */
  name: string;
  /** The config's description; the docstring's summary when empty. */
  description?: string | null;
  source: string;
  globalImports: readonly GlobalImport[];
}

export class PythonFunctionTool implements Tool {
  readonly name: string;
  readonly description: string;
  readonly schema: ToolSchema;
  /** The Python function called: the top-level function named like the tool. */
  readonly functionName: string;
  private readonly imports: string;
  /** One namespace per tool instance in the run's interpreter. */
  private readonly key = randomUUID();

  /** @throws ConfigError (path `config.source_code`) when the source defines no top-level function */
  constructor(
    private readonly sandbox: PythonSandbox,
    private readonly spec: PythonFunctionToolSpec,
  ) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name))
      throw new ConfigError('config.name', `"${spec.name}" is not a valid tool name (letters, digits, _ and -, at most 64)`);
    const fn = findPythonFunction(spec.source, spec.name);
    if (!fn) throw new ConfigError('config.source_code', `defines no top-level function named ${spec.name} (the FunctionTool's name)`);
    this.name = spec.name;
    this.functionName = fn.name;
    this.description = spec.description || docstringSummary(fn.docstring) || '';
    this.schema = { name: this.name, description: this.description, parameters: parametersSchema(fn) };
    this.imports = importStatements(spec.globalImports);
  }

  async run(args: unknown, context: ToolContext): Promise<ToolResult> {
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return { content: `Invalid arguments for ${this.name}: expected a JSON object`, isError: true };
    }
    try {
      const result = await this.sandbox.callFunction(
        { toolKey: this.key, imports: this.imports, source: this.spec.source, function: this.functionName, args: args as Record<string, unknown> },
        { signal: context.signal },
      );
      return { content: result.text, isError: !result.ok };
    } catch (error) {
      if (context.signal.aborted) throw error;
      return { content: `Error: ${(error as Error).message}`, isError: true };
    }
  }
}
