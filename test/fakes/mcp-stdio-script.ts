/**
 * Node 20 cannot run TypeScript, so stdio tests get the fake MCP server compiled to one `.mjs`
 * file. It is written under node_modules/.cache so that its bare imports (the MCP SDK, zod)
 * resolve to the project's node_modules.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'mcp-server.ts');
const outDir = join(here, '..', '..', 'node_modules', '.cache', 'teamstream-fakes');

let built: Promise<string> | undefined;

/** The path of a node-runnable copy of mcp-server.ts: `node <path>` serves MCP over stdio. */
export function mcpStdioServerScript(): Promise<string> {
  built ??= (async () => {
    const { code } = await transform(await readFile(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
    await mkdir(outDir, { recursive: true });
    const out = join(outDir, 'mcp-server.mjs');
    // Write then rename, so parallel test files never run a half-written script.
    const temp = `${out}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, code);
    await rename(temp, out);
    return out;
  })();
  return built;
}
