/**
 * McpWorkbench (AGS's `autogen_ext.tools.mcp.McpWorkbench`): the tools of an MCP server, over
 * stdio, streamable HTTP or SSE. A stdio server is a process this service would spawn from a
 * config, so it must match one the operator pinned (MCP_SERVERS_FILE, see mcp-pinned.ts); an
 * HTTP/SSE URL must pass the egress policy, whose fetch carries every request. Both checks run
 * at construction, before anything can start. The connection opens lazily on first use.
 * A stdio server's stderr is logged server-side and never returned to the client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { EgressPolicy, EgressRefusedError, shorten } from '../egress/index.js';
import { ConfigError, ToolError, cancelledFrom, throwIfAborted } from '../errors.js';
import type { ToolSchema } from '../models/model-client.js';
import { contentToText, parseMcpWorkbenchConfig, type McpServerParams, type McpWorkbenchConfig } from './mcp-config.js';
import { matchPinnedServer, type PinnedLaunch, type PinnedMcpServer } from './mcp-pinned.js';
import type { ToolContext, ToolResult } from './tool.js';
import type { Workbench } from './workbench.js';

export { McpWorkbenchConfigSchema, type McpWorkbenchConfig } from './mcp-config.js';

export interface McpWorkbenchOptions {
  /** The operator's pinned stdio servers (MCP_SERVERS_FILE); absent or empty: no stdio server may start. */
  servers?: readonly PinnedMcpServer[];
  /** Checks and pins HTTP/SSE requests. Absent: a policy with no exceptions (public addresses only). */
  egress?: EgressPolicy;
  /** Receives a stdio server's stderr, line by line (server-side logs only). Absent: console.warn. */
  log?: (line: string) => void;
}

interface Connection {
  client: Client;
  transport: Transport;
}

const CLIENT_INFO = { name: 'teamstream', version: '0.1.0' };
/** Longest stderr line logged (a server printing megabytes on one line must not flood the log). */
const STDERR_LINE_MAX = 2000;

export class McpWorkbench implements Workbench {
  private readonly config: McpWorkbenchConfig;
  private readonly params: McpServerParams;
  private readonly overrides: Record<string, { name?: string | null; description?: string | null }>;
  private connection: Promise<Connection> | undefined;
  /** The pinned server a stdio config matched (what is actually started). */
  private readonly launch: PinnedLaunch | undefined;
  private readonly egress: EgressPolicy;
  private readonly log: (line: string) => void;

  /**
   * @throws ConfigError for a malformed config, a stdio config that matches no pinned server or
   *   sets an env key that changes loading (naming it), or an HTTP/SSE url the policy refuses
   */
  constructor(config: McpWorkbenchConfig, options: McpWorkbenchOptions = {}) {
    const parsed = parseMcpWorkbenchConfig(config);
    const params = parsed.server_params;
    this.egress = options.egress ?? new EgressPolicy();
    this.log = options.log ?? ((line) => console.warn(line));
    if (params.type === 'StdioServerParams') {
      this.launch = matchPinnedServer(params, options.servers ?? []);
    } else {
      const refusal = this.egress.precheck(params.url);
      if (refusal) throw new ConfigError('config.server_params.url', `Refused by the egress policy: ${refusal}`);
    }
    this.config = structuredClone(config);
    this.params = params;
    this.overrides = parsed.tool_overrides ?? {};
  }

  /** Builds a workbench from an untyped config (a ComponentModel's `config`). */
  static fromConfig(config: unknown, options: McpWorkbenchOptions = {}): McpWorkbench {
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
        throw new ToolError('McpWorkbench', `listing tools of ${this.target()} failed: ${describeError(error)}`, { cause: error });
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
      return { content: `Error: ${describeError(error)}`, isError: true };
    }
  }

  /**
   * The open MCP session (connected on first use): the SDK client and the per-request timeout in
   * ms (undefined: the SDK's 60 s), for callers that need more than the tools, such as AGS's MCP
   * playground (resources, prompts). The pinned-server and egress checks already ran at construction.
   * @throws ToolError when the server cannot be reached (its stderr stays in the server log)
   */
  async session(): Promise<{ client: Client; timeoutMs: number | undefined }> {
    const { client } = await this.connect();
    return { client, timeoutMs: this.timeoutMs() };
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
      // The server's stderr went to the server log (see makeTransport), never into this message.
      throw new ToolError('McpWorkbench', `cannot connect to ${this.target()}: ${describeError(error)}`, { cause: error });
    }
    return { client, transport };
  }

  private makeTransport(): Transport {
    const params = this.params;
    switch (params.type) {
      case 'StdioServerParams': {
        const launch = this.launch!;
        const transport = new StdioClientTransport({
          // The pinned command, args, env and cwd: what the config said only selected them.
          command: launch.server.command,
          args: launch.args,
          // Only the SDK's safe default variables are inherited, never the server's secrets.
          env: { ...getDefaultEnvironment(), ...launch.env },
          ...(launch.cwd ? { cwd: launch.cwd } : {}),
          stderr: 'pipe',
        });
        this.logStderr(transport, launch.server.name);
        return transport;
      }
      case 'StreamableHttpServerParams':
        return new StreamableHTTPClientTransport(new URL(params.url), {
          requestInit: { headers: params.headers ?? {} },
          fetch: this.egress.fetch,
        });
      case 'SseServerParams':
        return new SSEClientTransport(new URL(params.url), { requestInit: { headers: params.headers ?? {} }, fetch: this.egress.fetch });
    }
  }

  /** Sends the child's stderr to the server log, a line at a time, prefixed with the server's name. */
  private logStderr(transport: StdioClientTransport, name: string): void {
    let pending = '';
    const emit = (line: string) => {
      if (line.trim()) this.log(`MCP server "${name}" stderr: ${line.slice(0, STDERR_LINE_MAX)}`);
    };
    transport.stderr?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split(/\r?\n/);
      pending = lines.pop() ?? '';
      if (pending.length > STDERR_LINE_MAX) {
        emit(pending);
        pending = '';
      }
      lines.forEach(emit);
    });
    transport.stderr?.on('end', () => emit(pending));
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
    return this.launch ? `pinned MCP server "${this.launch.server.name}"` : `MCP server ${originOf(this.params)}`;
  }
}

/** Scheme, host and port of an HTTP/SSE server (its path and query may carry tokens). */
function originOf(params: McpServerParams): string {
  return params.type === 'StdioServerParams' ? params.command : new URL(params.url).origin;
}

/**
 * An MCP failure as the client may see it: the SDK's message (HTTP error bodies were already
 * reduced to a short message by the egress fetch), cut short; an egress refusal as it is.
 */
function describeError(error: unknown): string {
  if (error instanceof EgressRefusedError) return error.message;
  const cause = error instanceof Error && error.cause instanceof EgressRefusedError ? error.cause : undefined;
  if (cause) return cause.message;
  const text = shorten(error instanceof Error ? error.message : String(error)).replace(/:\s*$/, '');
  // The SDK's HTTP errors carry the status as `code`; their message may not say it (the body is gone).
  const code = (error as { code?: unknown } | null)?.code;
  const status = typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
  return status !== undefined && !text.includes(String(status)) ? `${text} (HTTP ${status})` : text;
}
