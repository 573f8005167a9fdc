import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMcpHttpServer, type McpHttpServer } from '../../../test/fakes/mcp-server.js';
import { mcpStdioServerScript } from '../../../test/fakes/mcp-stdio-script.js';
import { CancelledError, ConfigError, ToolError } from '../errors.js';
import { McpWorkbench } from './mcp-workbench.js';

const node = process.execPath;
const context = () => ({ signal: new AbortController().signal });

let script: string;
beforeAll(async () => {
  script = await mcpStdioServerScript();
}, 30_000);

const open: McpWorkbench[] = [];
let http: McpHttpServer | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await http?.close();
  http = undefined;
});

function stdioWorkbench(extra: Record<string, unknown> = {}, overrides?: Record<string, { name?: string; description?: string }>): McpWorkbench {
  const workbench = new McpWorkbench(
    { server_params: { type: 'StdioServerParams', command: node, args: [script], read_timeout_seconds: 10, ...extra }, tool_overrides: overrides },
    { stdioAllow: [node] },
  );
  open.push(workbench);
  return workbench;
}

describe(McpWorkbench.name, () => {
  describe('over stdio', () => {
    it('lists the server tools with their input schemas', async () => {
      const tools = await stdioWorkbench().listTools();

      expect(tools.map((t) => t.name)).toEqual(['add', 'echo', 'fail', 'slow', 'get_env', 'pid']);
      expect(tools[0]).toMatchObject({
        name: 'add',
        description: 'Adds two numbers.',
        parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      });
    });

    it('calls a tool and returns its text', async () => {
      await expect(stdioWorkbench().callTool('add', { a: 2, b: 40 }, context())).resolves.toEqual({ content: '42', isError: false });
    });

    it('passes a tool failure through as an error result', async () => {
      const result = await stdioWorkbench().callTool('fail', { message: 'kaboom' }, context());

      expect(result.isError).toBe(true);
      expect(result.content).toContain('kaboom');
    });

    it('answers an unknown tool or bad arguments with an error result, not a throw', async () => {
      const workbench = stdioWorkbench();

      await expect(workbench.callTool('nope', {}, context())).resolves.toMatchObject({ isError: true });
      await expect(workbench.callTool('add', { a: 'x' }, context())).resolves.toMatchObject({ isError: true });
      await expect(workbench.callTool('add', [1, 2], context())).resolves.toMatchObject({ isError: true, content: expect.stringContaining('JSON object') });
    });

    it('rejects with CancelledError when the call is aborted', async () => {
      const workbench = stdioWorkbench();
      const controller = new AbortController();
      const call = workbench.callTool('slow', { ms: 5000 }, { signal: controller.signal });
      setTimeout(() => controller.abort('User requested stop'), 100);

      await expect(call).rejects.toThrow(CancelledError);
      // The session survives a cancelled call.
      await expect(workbench.callTool('echo', { text: 'still here' }, context())).resolves.toEqual({ content: 'still here', isError: false });
    });

    it('gives the server the configured env on top of a safe default environment', async () => {
      const workbench = stdioWorkbench({ env: { FAKE_TOKEN: 'abc123' } });

      await expect(workbench.callTool('get_env', { name: 'FAKE_TOKEN' }, context())).resolves.toEqual({ content: 'abc123', isError: false });
    });

    it('applies tool_overrides to names and descriptions, and maps the new name back on calls', async () => {
      const workbench = stdioWorkbench({}, { add: { name: 'sum', description: 'Sums.' } });
      const tools = await workbench.listTools();

      expect(tools.find((t) => t.name === 'sum')).toMatchObject({ description: 'Sums.' });
      await expect(workbench.callTool('sum', { a: 1, b: 1 }, context())).resolves.toEqual({ content: '2', isError: false });
    });

    it('ends the child process on close, twice without harm, and reconnects on the next use', async () => {
      const workbench = stdioWorkbench();
      const pid = Number((await workbench.callTool('pid', {}, context())).content);
      expect(isAlive(pid)).toBe(true);
      await workbench.close();
      await workbench.close();

      await expect(waitUntil(() => !isAlive(pid))).resolves.toBe(true);

      await expect(workbench.callTool('echo', { text: 'again' }, context())).resolves.toEqual({ content: 'again', isError: false });
    });

    it('names the server when it cannot start', async () => {
      const workbench = new McpWorkbench({ server_params: { type: 'StdioServerParams', command: node, args: ['-e', 'process.exit(3)'] } }, { stdioAllow: [node] });
      open.push(workbench);

      await expect(workbench.listTools()).rejects.toThrow(ToolError);
      await expect(workbench.listTools()).rejects.toThrow(/cannot connect to stdio server/);
      await expect(workbench.callTool('add', { a: 1, b: 2 }, context())).resolves.toMatchObject({ isError: true });
    });
  });

  describe('the stdio allow list', () => {
    it('refuses a command that is not on the list, at construction', () => {
      const build = () => new McpWorkbench({ server_params: { type: 'StdioServerParams', command: 'rm', args: ['-rf', '/'] } }, { stdioAllow: ['npx', node] });

      expect(build).toThrow(ConfigError);
      expect(build).toThrow('config.server_params.command: MCP stdio command "rm" is not in MCP_STDIO_ALLOW');
    });

    it('matches exactly: a bare name does not allow another path, nor the reverse', () => {
      const config = (command: string) => ({ server_params: { type: 'StdioServerParams' as const, command } });

      expect(() => new McpWorkbench(config('/usr/bin/npx'), { stdioAllow: ['npx'] })).toThrow(ConfigError);
      expect(() => new McpWorkbench(config('npx'), { stdioAllow: ['/usr/bin/npx'] })).toThrow(ConfigError);
      expect(() => new McpWorkbench(config('npx'), { stdioAllow: ['npx'] })).not.toThrow();
    });

    it('refuses everything when the list is empty', () => {
      expect(() => new McpWorkbench({ server_params: { type: 'StdioServerParams', command: node } }, { stdioAllow: [] })).toThrow(/allowed: empty/);
    });
  });

  describe('over streamable HTTP', () => {
    it('lists and calls tools, sending the configured headers', async () => {
      http = await startMcpHttpServer();
      const workbench = new McpWorkbench({ server_params: { type: 'StreamableHttpServerParams', url: http.url, headers: { 'x-api-key': 'secret' } } }, { stdioAllow: [] });
      open.push(workbench);

      await expect(workbench.listTools()).resolves.toHaveLength(6);
      await expect(workbench.callTool('echo', { text: 'over http' }, context())).resolves.toEqual({ content: 'over http', isError: false });
      await expect(workbench.callTool('fail', { message: 'nope' }, context())).resolves.toMatchObject({ isError: true });
      expect(http.requestHeaders.every((h) => h['x-api-key'] === 'secret')).toBe(true);
    });

    it('closes without error, twice', async () => {
      http = await startMcpHttpServer();
      const workbench = new McpWorkbench({ server_params: { type: 'StreamableHttpServerParams', url: http.url } }, { stdioAllow: [] });
      await workbench.listTools();

      await expect(workbench.close()).resolves.toBeUndefined();
      await expect(workbench.close()).resolves.toBeUndefined();
    });
  });

  describe('config', () => {
    it('round-trips an AGS config through toConfig()', () => {
      const config = { server_params: { type: 'SseServerParams' as const, url: 'http://127.0.0.1:1/sse', headers: {}, timeout: 5, sse_read_timeout: 300 } };

      expect(McpWorkbench.fromConfig(config, { stdioAllow: [] }).toConfig()).toEqual(config);
    });

    it('names the bad key of a malformed config', () => {
      expect(() => McpWorkbench.fromConfig({ server_params: { type: 'StreamableHttpServerParams', url: 'not a url' } }, { stdioAllow: [] })).toThrow(
        /config\.server_params\.url/,
      );
    });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
