import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createFakeMcpServer, startMcpHttpServer, type McpHttpServer } from '../../../test/fakes/mcp-server.js';
import { mcpStdioServerScript } from '../../../test/fakes/mcp-stdio-script.js';
import { EgressPolicy, parseEgressAllow } from '../egress/index.js';
import { CancelledError, ConfigError, ToolError } from '../errors.js';
import { PinnedMcpServerSchema, type PinnedMcpServer } from './mcp-pinned.js';
import { McpWorkbench, type McpWorkbenchOptions } from './mcp-workbench.js';

const node = process.execPath;
const context = () => ({ signal: new AbortController().signal });
const loopback = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });

let script: string;
/** The fake server, pinned as the operator would pin it; a config's FAKE_TOKEN may pass. */
let fake: PinnedMcpServer;
/** A pinned server that writes a secret to stderr and exits before speaking MCP. */
const crashing = PinnedMcpServerSchema.parse({
  name: 'crashing',
  command: node,
  args: ['-e', 'console.error("DB_PASSWORD=hunter2 at /srv/internal/config.yml"); process.exit(3)'],
});
let logged: string[] = [];
let options: McpWorkbenchOptions;
beforeAll(async () => {
  script = await mcpStdioServerScript();
  fake = PinnedMcpServerSchema.parse({ name: 'fake', command: node, args: [script], allow_env: ['FAKE_TOKEN'], env: { FAKE_FIXED: 'pinned' } });
  options = { servers: [fake, crashing], egress: loopback, log: (line) => logged.push(line) };
}, 30_000);

const open: McpWorkbench[] = [];
let http: McpHttpServer | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await http?.close();
  http = undefined;
  await new Promise((done) => (raw ? raw.close(done) : done(undefined)));
  raw = undefined;
  logged = [];
});

function stdioWorkbench(extra: Record<string, unknown> = {}, overrides?: Record<string, { name?: string; description?: string }>): McpWorkbench {
  const workbench = new McpWorkbench(
    { server_params: { type: 'StdioServerParams', command: node, args: [script], read_timeout_seconds: 10, ...extra }, tool_overrides: overrides },
    options,
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
      await expect(workbench.callTool('add', [1, 2], context())).resolves.toMatchObject({
        isError: true,
        content: expect.stringContaining('JSON object'),
      });
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

    it('gives the server its pinned env and the allowed config env on top of a safe default environment', async () => {
      const workbench = stdioWorkbench({ env: { FAKE_TOKEN: 'abc123' } });

      await expect(workbench.callTool('get_env', { name: 'FAKE_TOKEN' }, context())).resolves.toEqual({ content: 'abc123', isError: false });
      await expect(workbench.callTool('get_env', { name: 'FAKE_FIXED' }, context())).resolves.toEqual({ content: 'pinned', isError: false });
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

    it('names the pinned server when it cannot start, and logs its stderr instead of returning it', async () => {
      const workbench = new McpWorkbench({ server_params: { type: 'StdioServerParams', command: node, args: crashing.args } }, options);
      open.push(workbench);

      const error = (await workbench.listTools().catch((e: unknown) => e)) as ToolError;
      expect(error).toBeInstanceOf(ToolError);
      expect(error.message).toMatch(/cannot connect to pinned MCP server "crashing"/);
      expect(error.message).not.toMatch(/hunter2|internal|stderr/);
      const result = await workbench.callTool('add', { a: 1, b: 2 }, context());
      expect(result).toMatchObject({ isError: true });
      expect(result.content).not.toMatch(/hunter2/);
      await expect(waitUntil(() => logged.some((l) => l.includes('hunter2')))).resolves.toBe(true);
      expect(logged.find((l) => l.includes('hunter2'))).toMatch(/^MCP server "crashing" stderr: DB_PASSWORD=hunter2/);
    });
  });

  describe('pinned stdio servers', () => {
    it('refuses, at construction, a command nobody pinned', () => {
      const build = () => new McpWorkbench({ server_params: { type: 'StdioServerParams', command: 'rm', args: ['-rf', '/'] } }, options);

      expect(build).toThrow(ConfigError);
      expect(build).toThrow('config.server_params.command: MCP stdio command "rm" is not a pinned server');
    });

    it('refuses the pinned command with other arguments (node -e)', () => {
      const build = () => new McpWorkbench({ server_params: { type: 'StdioServerParams', command: node, args: ['-e', 'process.exit(0)'] } }, options);

      expect(build).toThrow(/config\.server_params\.args: the arguments of .* match no pinned server/);
    });

    it('refuses a config env key that changes loading, naming it, before anything starts', () => {
      const build = () => stdioWorkbench({ env: { NODE_OPTIONS: '--require /tmp/evil.js' } });

      expect(build).toThrow(ConfigError);
      expect(build).toThrow('config.server_params.env.NODE_OPTIONS: "NODE_OPTIONS" changes how the server program loads');
    });

    it('refuses everything when nothing is pinned', () => {
      expect(() => new McpWorkbench({ server_params: { type: 'StdioServerParams', command: node, args: [script] } }, {})).toThrow(/pinned: none/);
    });
  });

  describe('over streamable HTTP', () => {
    it('lists and calls tools, sending the configured headers', async () => {
      http = await startMcpHttpServer();
      const workbench = new McpWorkbench(
        { server_params: { type: 'StreamableHttpServerParams', url: http.url, headers: { 'x-api-key': 'secret' } } },
        options,
      );
      open.push(workbench);

      await expect(workbench.listTools()).resolves.toHaveLength(6);
      await expect(workbench.callTool('echo', { text: 'over http' }, context())).resolves.toEqual({ content: 'over http', isError: false });
      await expect(workbench.callTool('fail', { message: 'nope' }, context())).resolves.toMatchObject({ isError: true });
      expect(http.requestHeaders.every((h) => h['x-api-key'] === 'secret')).toBe(true);
    });

    it('closes without error, twice', async () => {
      http = await startMcpHttpServer();
      const workbench = new McpWorkbench({ server_params: { type: 'StreamableHttpServerParams', url: http.url } }, options);
      await workbench.listTools();

      await expect(workbench.close()).resolves.toBeUndefined();
      await expect(workbench.close()).resolves.toBeUndefined();
    });
  });

  describe('over SSE', () => {
    it('lists and calls tools through the egress fetch', async () => {
      const sessions = new Map<string, SSEServerTransport>();
      raw = createServer((req, res) => {
        if (req.method === 'GET' && req.url === '/sse') {
          const transport = new SSEServerTransport('/messages', res);
          sessions.set(transport.sessionId, transport);
          void createFakeMcpServer().connect(transport);
          return;
        }
        const id = new URL(req.url ?? '', 'http://x').searchParams.get('sessionId') ?? '';
        const transport = sessions.get(id);
        if (!transport) return void res.writeHead(404).end();
        void transport.handlePostMessage(req, res);
      });
      await new Promise<void>((ready) => raw!.listen(0, '127.0.0.1', ready));
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/sse`;
      const workbench = new McpWorkbench({ server_params: { type: 'SseServerParams', url } }, options);
      open.push(workbench);

      await expect(workbench.listTools()).resolves.toHaveLength(6);
      await expect(workbench.callTool('add', { a: 20, b: 22 }, context())).resolves.toEqual({ content: '42', isError: false });
      await workbench.close();
      raw.closeAllConnections();
    });
  });

  describe('over HTTP, under the egress policy', () => {
    it('refuses a loopback or metadata URL at construction unless the operator allows it', () => {
      const config = (url: string) => ({ server_params: { type: 'StreamableHttpServerParams' as const, url } });

      expect(() => new McpWorkbench(config('http://127.0.0.1:3000/mcp'), {})).toThrow(
        /config\.server_params\.url: Refused by the egress policy: 127\.0\.0\.1 is a loopback address/,
      );
      expect(() => new McpWorkbench(config('http://169.254.169.254/latest'), options)).toThrow(/link-local/);
      expect(() => new McpWorkbench({ server_params: { type: 'SseServerParams', url: 'http://localhost:3000/sse' } }, {})).toThrow(/localhost/);
    });

    it('refuses at call time a name that resolves to loopback, and sends nothing', async () => {
      http = await startMcpHttpServer();
      const egress = new EgressPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      const url = http.url.replace('127.0.0.1', 'mcp.example');
      const workbench = new McpWorkbench({ server_params: { type: 'StreamableHttpServerParams', url } }, { egress });
      open.push(workbench);

      await expect(workbench.listTools()).rejects.toThrow(
        /Refused by the egress policy: http:\/\/mcp\.example:\d+: mcp\.example resolves to a loopback address/,
      );
      expect(http.requestHeaders).toHaveLength(0);
    });

    it('never returns an upstream HTML error page', async () => {
      raw = createServer((req, res) => {
        req.resume();
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html><body>Grafana admin — internal dashboards at 10.0.0.3</body></html>');
      });
      await new Promise<void>((ready) => raw!.listen(0, '127.0.0.1', ready));
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/mcp`;
      for (const type of ['StreamableHttpServerParams', 'SseServerParams'] as const) {
        const workbench = new McpWorkbench({ server_params: { type, url } }, options);
        open.push(workbench);

        const error = (await workbench.listTools().catch((e: unknown) => e)) as ToolError;
        expect(error).toBeInstanceOf(ToolError);
        expect(error.message).toMatch(/404/);
        expect(error.message).not.toMatch(/Grafana|html|10\.0\.0\.3/);
      }
    });
  });

  describe('config', () => {
    it('round-trips an AGS config through toConfig()', () => {
      const config = {
        server_params: { type: 'SseServerParams' as const, url: 'http://127.0.0.1:1/sse', headers: {}, timeout: 5, sse_read_timeout: 300 },
      };

      expect(McpWorkbench.fromConfig(config, options).toConfig()).toEqual(config);
    });

    it('names the bad key of a malformed config', () => {
      expect(() => McpWorkbench.fromConfig({ server_params: { type: 'StreamableHttpServerParams', url: 'not a url' } }, options)).toThrow(
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
