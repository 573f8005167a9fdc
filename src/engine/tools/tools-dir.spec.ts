import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadToolsDir } from './tools-dir.js';

/** A module source defining a plain-object tool (operators would usually build it with `tool()`). */
const toolSource = (name: string, reply: string) => `{
  name: ${JSON.stringify(name)},
  description: 'test tool',
  schema: { name: ${JSON.stringify(name)}, description: 'test tool', parameters: { type: 'object', properties: {} } },
  async run() { return { content: ${JSON.stringify(reply)}, isError: false }; },
}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tools-dir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const context = { signal: new AbortController().signal };

describe(loadToolsDir.name, () => {
  it('collects default exports (a tool or an array) and named tool exports, in file order', async () => {
    await writeFile(join(dir, 'a-single.mjs'), `export default ${toolSource('alpha', 'A')};`);
    await writeFile(join(dir, 'b-list.js'), `export default [${toolSource('beta', 'B')}, ${toolSource('gamma', 'C')}];`);
    await writeFile(join(dir, 'c-named.mjs'), `export const delta = ${toolSource('delta', 'D')}; export const notATool = 42;`);
    await writeFile(join(dir, 'README.md'), 'not a module');

    const tools = await loadToolsDir(dir);

    expect(tools.map((t) => t.name)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    await expect(tools[3]!.run({}, context)).resolves.toEqual({ content: 'D', isError: false });
  });

  it('counts a tool exported both by name and as default once', async () => {
    await writeFile(join(dir, 'both.mjs'), `export const echo = ${toolSource('echo', 'E')}; export default echo;`);

    await expect(loadToolsDir(dir)).resolves.toHaveLength(1);
  });

  it('names the file of a module that fails to import', async () => {
    await writeFile(join(dir, 'broken.mjs'), `throw new Error('boom at import');`);

    await expect(loadToolsDir(dir)).rejects.toThrow(/broken\.mjs failed to load: boom at import/);
  });

  it('names the file of a module that exports no tool', async () => {
    await writeFile(join(dir, 'empty.mjs'), `export const answer = 42;`);

    await expect(loadToolsDir(dir)).rejects.toThrow(/empty\.mjs exports no tool/);
  });

  it('names the file whose default array holds something that is not a tool', async () => {
    await writeFile(join(dir, 'mixed.mjs'), `export default [${toolSource('ok', 'x')}, { name: 'half' }];`);

    await expect(loadToolsDir(dir)).rejects.toThrow(/mixed\.mjs: default export \[1\] is not a tool/);
  });

  it('refuses two modules exporting the same tool name', async () => {
    await writeFile(join(dir, 'one.mjs'), `export default ${toolSource('same', '1')};`);
    await writeFile(join(dir, 'two.mjs'), `export default ${toolSource('same', '2')};`);

    await expect(loadToolsDir(dir)).rejects.toThrow(/two\.mjs exports a tool named "same", already exported by .*one\.mjs/);
  });

  it('names a directory that cannot be read', async () => {
    await expect(loadToolsDir(join(dir, 'missing'))).rejects.toThrow(/Cannot read the tools directory .*missing/);
  });
});
