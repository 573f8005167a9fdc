/**
 * Operator-installed tools: every `.js` / `.mjs` module in TOOLS_DIR is imported and its tools
 * collected (the default export, a Tool or Tool[], plus any named export that is a Tool).
 * This is the operator's own code, trusted like the server itself; it is never taken from a
 * request or a team config.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTool, type Tool } from './tool.js';

const MODULE_FILE = /\.(m?js)$/;

/**
 * Loads the tools of every module in `dir`, in file-name order.
 * @throws Error naming the file when a module fails to import, exports no tool, or exports a
 *   tool whose name another module already took; naming the directory when it cannot be read.
 */
export async function loadToolsDir(dir: string): Promise<Tool[]> {
  const root = resolve(dir);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new Error(`Cannot read the tools directory ${root}: ${(error as Error).message}`, { cause: error });
  }
  const files = entries
    .filter((e) => e.isFile() && MODULE_FILE.test(e.name))
    .map((e) => e.name)
    .sort();

  const tools: Tool[] = [];
  const owner = new Map<string, string>();
  for (const name of files) {
    const file = join(root, name);
    for (const found of await loadModuleTools(file)) {
      const previous = owner.get(found.name);
      if (previous) throw new Error(`Tool module ${file} exports a tool named "${found.name}", already exported by ${previous}`);
      owner.set(found.name, file);
      tools.push(found);
    }
  }
  return tools;
}

async function loadModuleTools(file: string): Promise<Tool[]> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Tool module ${file} failed to load: ${(error as Error).message}`, { cause: error });
  }
  const found = new Set<Tool>();
  const fallback = exports.default;
  if (Array.isArray(fallback)) {
    fallback.forEach((item: unknown, i) => {
      if (!isTool(item)) throw new Error(`Tool module ${file}: default export [${i}] is not a tool (needs name, schema and run)`);
      found.add(item);
    });
  } else if (isTool(fallback)) {
    found.add(fallback);
  }
  // A module may export its tool both by name and as default: the Set keeps it once.
  for (const [key, value] of Object.entries(exports)) if (key !== 'default' && isTool(value)) found.add(value);
  if (found.size === 0) {
    throw new Error(`Tool module ${file} exports no tool: export default a Tool or Tool[], or export Tools by name`);
  }
  return [...found];
}
