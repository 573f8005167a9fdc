/**
 * McpWorkbench (AGS's `autogen_ext.tools.mcp.McpWorkbench`): the tools of an MCP server, over
 * stdio, streamable HTTP or SSE. A stdio server is a process this service would spawn from a
 * config, so its command must be on the operator's allow list (MCP_STDIO_ALLOW); that check runs
 * at construction, before anything can be started. The connection opens lazily on first use.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ConfigError, ToolError, cancelledFrom, throwIfAborted } from '../errors.js';
import type { ToolSchema } from '../models/model-client.js';
import { contentToText, parseMcpWorkbenchConfig, type McpServerParams, type McpWorkbenchConfig } from './mcp-config.js';
import type { ToolContext, ToolResult } from './tool.js';
import type { Workbench } from './workbench.js';

export { McpWorkbenchConfigSchema, type McpWorkbenchConfig } from './mcp-config.js';

export interface McpWorkbenchOptions {
  /** Commands a stdio server may be started with, matched exactly as written in the config. */
  stdioAllow: readonly string[];
}

interface Connection {
  client: Client;
  transport: Transport;
}

const CLIENT_INFO = { name: 'teamstream', version: '0.1.0' };
/** How much of a stdio server's stderr to keep for error messages. */
const STDERR_TAIL = 2000;

export class McpWorkbench implements Workbench {
  private readonly config: McpWorkbenchConfig;
  private readonly params: McpServerParams;
  private readonly overrides: Record<string, { name?: string | null; description?: string | null }>;
  private connection: Promise<Connection> | undefined;
  private stderrTail = '';

  /** @throws ConfigError for a malformed config or a stdio command not on `options.stdioAllow`. */
  constructor(config: McpWorkbenchConfig, options: McpWorkbenchOptions) {
    const parsed = parseMcpWorkbenchConfig(config);
    const params = parsed.server_params;
    if (params.type === 'StdioServerParams' && !options.stdioAllow.includes(params.command)) {
      const allowed = options.stdioAllow.length > 0 ? options.stdioAllow.join(', ') : 'empty';
      throw new ConfigError(
        'config.server_params.command',
        `MCP stdio command "${params.command}" is not in MCP_STDIO_ALLOW (allowed: ${allowed}); ask the operator to add it`,
      );
    }
    this.config = structuredClone(config);
    this.params = params;
    this.overrides = parsed.tool_overrides ?? {};
  }

  /** Builds a workbench from an untyped config (a ComponentModel's `config`). */
  static fromConfig(config: unknown, options: McpWorkbenchOptions): McpWorkbench {
    parseMcpWorkbenchConfig(config); // throws the ConfigError for a bad config
    return new McpWorkbench(config as McpWorkbenchConfig, options);
  }

  toConfig(): McpWorkbenchConfig {
    return structuredClone(this.config);
  }

  /** The server's tools as the model sees them (after `tool_overrides`). */
  async listTools(): Promise<ToolSchema[]> {
    const { client } = await this.connect();
    const schemas: ToolSchema[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.timeoutMs() }).catch((error: unknown) => {
        throw new ToolError('McpWorkbench', `listing tools of ${this.target()} failed: ${message(error)}`, { cause: error });
      });
      for (const t of page.tools) {
        const override = this.overrides[t.name];
        schemas.push({
          name: override?.name ?? t.name,
          description: override?.description ?? t.description ?? '',
          parameters: t.inputSchema as Record<string, unknown>,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return schemas;
  }

  /**
   * Calls a tool. Whatever goes wrong on the server's side (the tool failed, it is unknown, the
   * server is unreachable) is an error result the model can read; only an abort throws.
   */
  async callTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
    throwIfAborted(context.signal);
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return { content: `Error: arguments for ${name} must be a JSON object`, isError: true };
    }
    try {
      const { client } = await this.connect();
      const result = await client.callTool({ name: this.originalName(name), arguments: args as Record<string, unknown> }, undefined, {
        signal: context.signal,
        timeout: this.timeoutMs(),
      });
      return { content: contentToText(result), isError: result.isError === true };
    } catch (error) {
      if (context.signal.aborted) throw cancelledFrom(context.signal);
      return { content: `Error: ${message(error)}`, isError: true };
    }
  }

  /** Closes the session and the transport (a stdio server's process ends with it). Safe to call twice. */
  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    const connection = await pending?.catch(() => undefined);
    if (!connection) return;
    if (connection.transport instanceof StreamableHTTPClientTransport && this.params.type === 'StreamableHttpServerParams') {
      // Ends the server-side session; a stateless server may refuse (405), which is fine.
      if (this.params.terminate_on_close !== false) await connection.transport.terminateSession().catch(() => undefined);
    }
    await connection.client.close();
  }

  private connect(): Promise<Connection> {
    this.connection ??= this.open().catch((error: unknown) => {
      this.connection = undefined; // let the next call try again
      throw error;
    });
    return this.connection;
  }

  private async open(): Promise<Connection> {
    const transport = this.makeTransport();
    const client = new Client(CLIENT_INFO);
    try {
      await client.connect(transport, { timeout: this.timeoutMs() });
    } catch (error) {
      await client.close().catch(() => undefined);
      const stderr = this.stderrTail.trim() ? `; server stderr: ${this.stderrTail.trim()}` : '';
      throw new ToolError('McpWorkbench', `cannot connect to ${this.target()}: ${message(error)}${stderr}`, { cause: error });
    }
    return { client, transport };
  }

  private makeTransport(): Transport {
    const params = this.params;
    switch (params.type) {
      case 'StdioServerParams': {
        const transport = new StdioClientTransport({
          command: params.command,
          args: params.args ?? [],
          // Only the SDK's safe default variables are inherited, never the server's secrets.
          env: { ...getDefaultEnvironment(), ...params.env },
          ...(params.cwd ? { cwd: params.cwd } : {}),
          stderr: 'pipe',
        });
        this.stderrTail = '';
        transport.stderr?.on('data', (chunk: Buffer) => {
          this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
        });
        return transport;
      }
      case 'StreamableHttpServerParams':
        return new StreamableHTTPClientTransport(new URL(params.url), { requestInit: { headers: params.headers ?? {} } });
      case 'SseServerParams':
        return new SSEClientTransport(new URL(params.url), { requestInit: { headers: params.headers ?? {} } });
    }
  }

  /** Per-request timeout: AGS's read timeout for stdio, its SSE read timeout for HTTP; else the SDK's 60 s. */
  private timeoutMs(): number | undefined {
    const seconds = this.params.type === 'StdioServerParams' ? this.params.read_timeout_seconds : this.params.sse_read_timeout;
    return seconds != null ? seconds * 1000 : undefined;
  }

  private originalName(name: string): string {
    for (const [original, override] of Object.entries(this.overrides)) if (override.name === name) return original;
    return name;
  }

  private target(): string {
    return this.params.type === 'StdioServerParams' ? `stdio server "${this.params.command}"` : `MCP server ${this.params.url}`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
