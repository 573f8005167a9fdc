/**
 * How a deployment resolves the tools a config names, in one place so the server and the CLI
 * resolve them the same way: registered tools first (the built-ins, the deployment's own, the
 * operator's TOOLS_DIR modules, then the web tools for names none of those took), and a
 * FunctionTool that names none of them runs its Python source in the sandbox, when it is on.
 */
import { PythonSandbox } from '../sandbox/python-sandbox.js';
import { builtinTools } from './builtins.js';
import type { Tool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';
import { loadToolsDir } from './tools-dir.js';
import { webTools, type WebToolsOptions } from './web/web-tools.js';

export interface StandardToolsOptions {
  /** The deployment's own tools (the demo gallery's). */
  extra?: readonly Tool[];
  /** The operator's tool modules (TOOLS_DIR). */
  toolsDir?: string;
  /** Settings of fetch_webpage, google_search, bing_search and generate_image. */
  web: WebToolsOptions;
}

/**
 * The registry a LoadContext gets. A TOOLS_DIR module may replace one of the deployment's own
 * tools or a web tool by exporting a tool of the same name (the operator's choice); a clash
 * with a built-in, or between two modules, is an error, as before.
 * @throws Error naming the module when TOOLS_DIR cannot be loaded or clashes
 */
export async function standardToolRegistry(options: StandardToolsOptions): Promise<ToolRegistry> {
  const registry = new ToolRegistry(builtinTools());
  if (options.toolsDir) for (const t of await loadToolsDir(options.toolsDir)) registry.register(t);
  for (const t of [...(options.extra ?? []), ...webTools(options.web)]) if (!registry.has(t.name)) registry.register(t);
  return registry;
}

export interface PythonSettings {
  /** PYTHON_TOOLS. */
  mode: 'sandbox' | 'off';
  poolSize: number;
  /** PYTHON_MAX_PROCESSES, PYTHON_MAX_PROCESSES_PER_USER (the sandbox's defaults when absent). */
  maxProcesses?: number;
  maxProcessesPerUser?: number;
  timeoutMs: number;
  memoryMb: number;
  maxOutputChars: number;
}

/** The sandbox for PYTHON_TOOLS=sandbox (its processes start on first use), none for `off`. */
export function pythonSandboxFor(settings: PythonSettings, log?: (message: string) => void): PythonSandbox | undefined {
  if (settings.mode === 'off') return undefined;
  return new PythonSandbox({
    poolSize: settings.poolSize,
    ...(settings.maxProcesses !== undefined ? { maxProcesses: settings.maxProcesses } : {}),
    ...(settings.maxProcessesPerUser !== undefined ? { maxProcessesPerUser: settings.maxProcessesPerUser } : {}),
    timeoutMs: settings.timeoutMs,
    memoryMb: settings.memoryMb,
    maxOutputChars: settings.maxOutputChars,
    ...(log ? { log } : {}),
  });
}
