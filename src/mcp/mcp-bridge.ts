/**
 * One AGS MCP playground socket (AGS `mcp/wsbridge.py` + `mcp/client.py`): connects the
 * session's workbench, says `initialized` with the server's capabilities, then answers
 * `{"type":"operation","operation":...}` messages with AGS's shapes:
 *   list_tools → `{tools}`, call_tool {tool_name, arguments} → `{tool_name, result}`,
 *   list_resources → the ListResourcesResult, read_resource {uri} → the ReadResourceResult,
 *   list_prompts → `{prompts}`, get_prompt {name, arguments} → the GetPromptResult,
 * each as `operation_result` (or `operation_error` with the error text); `ping` → `pong`;
 * anything else an `error`. Server notifications reach the client as `mcp_activity`, as AGS's
 * message handler sends them. Operations run concurrently (AGS runs each in its own task), at
 * most MAX_IN_FLIGHT at a time; closing the socket cancels them and closes the MCP session.
 * Elicitation and sampling are not offered to the server (AGS answers sampling with a placeholder
 * text and elicitation through its UI; this client declares neither capability).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describeError } from '../common/errors.js';
import { DEFAULT_MAX_JSON_DEPTH, describeJsonInputProblem, findJsonInputProblem } from '../common/json-input.js';
import type { McpWorkbench } from '../engine/index.js';
import type { FrameSpan } from '../websocket/frame-span.js';

/** Operations one socket may have running at once; more are answered with an operation_error. */
export const MAX_IN_FLIGHT = 8;

/** Where the bridge writes (a socket, in the gateway); JSON objects, one per message. */
export interface McpChannel {
  send(message: Record<string, unknown>): void;
  close(code: number, reason: string): void;
}

type Operation = Record<string, unknown> & { operation?: unknown };

const now = () => new Date().toISOString();

export class McpBridge {
  private readonly abort = new AbortController();
  private session: { client: Client; timeoutMs: number | undefined } | undefined;
  private ready: Promise<void> | undefined;
  private inFlight = 0;

  constructor(
    private readonly sessionId: string,
    private readonly workbench: McpWorkbench,
    private readonly channel: McpChannel,
    private readonly onActivity: (capabilities?: Record<string, unknown>) => void,
    /** MAX_JSON_DEPTH: the frame check every socket applies (findJsonInputProblem). */
    private readonly options: { maxJsonDepth: number } = { maxJsonDepth: DEFAULT_MAX_JSON_DEPTH },
  ) {}

  /** Connects to the MCP server; on failure sends AGS's `Connection error` and closes the socket (1011). */
  start(): Promise<void> {
    this.ready ??= this.workbench.session().then(
      (session) => {
        this.session = session;
        session.client.fallbackNotificationHandler = async (notification) => {
          this.channel.send({
            type: 'mcp_activity',
            activity_type: 'protocol',
            message: `MCP ${notification.method}`,
            details: { method: notification.method, params: notification.params ?? null, message_type: 'ServerNotification' },
            session_id: this.sessionId,
            timestamp: now(),
          });
        };
        const capabilities = (session.client.getServerCapabilities() ?? null) as Record<string, unknown> | null;
        this.onActivity(capabilities ?? undefined);
        this.channel.send({ type: 'initialized', session_id: this.sessionId, capabilities, timestamp: now() });
      },
      (error: unknown) => {
        this.channel.send({ type: 'error', error: `Connection error: ${describeError(error).message}`, timestamp: now() });
        this.channel.close(1011, 'MCP server connection failed');
      },
    );
    return this.ready;
  }

  /** One text frame from the client. */
  async receive(text: string, span?: FrameSpan): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      span?.fail('bad_request', 'Invalid message format');
      return this.channel.send({ type: 'error', error: 'Invalid message format', timestamp: now() });
    }
    // The check every client JSON value passes (as on the run socket): nesting within
    // MAX_JSON_DEPTH and no NUL in any key or string; nothing is forwarded to the MCP server otherwise.
    const problem = findJsonInputProblem(message, this.options.maxJsonDepth);
    if (problem) {
      const error =
        problem.kind === 'nul' ? `Invalid frame: ${describeJsonInputProblem(problem, '(frame)')}` : describeJsonInputProblem(problem, 'Frame');
      span?.fail('bad_request', error);
      return this.channel.send({ type: 'error', error, timestamp: now() });
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    this.onActivity();
    switch (type) {
      case 'ping':
        span?.type('ping');
        return this.channel.send({ type: 'pong', timestamp: now() });
      case 'operation':
        span?.type('operation');
        return this.operate(message as Operation, span);
      case 'elicitation_response':
        span?.type('elicitation_response');
        span?.fail('bad_request');
        return this.channel.send({
          type: 'error',
          error: 'No elicitation request is pending: this server does not offer elicitation',
          timestamp: now(),
        });
      default:
        // The client's own `type` is not the span's name: its names are not a fixed set.
        span?.fail('bad_request', 'Unknown message type');
        return this.channel.send({ type: 'error', error: `Unknown message type: ${String(type)}`, timestamp: now() });
    }
  }

  /** The socket closed: pending operations are cancelled (the MCP session is closed by its owner, McpSessions). */
  close(): void {
    this.abort.abort(new Error('The MCP socket closed'));
  }

  private async operate(message: Operation, span?: FrameSpan): Promise<void> {
    const name = typeof message.operation === 'string' ? message.operation : 'unknown';
    if (this.inFlight >= MAX_IN_FLIGHT) {
      span?.fail('too_many');
      return this.channel.send({
        type: 'operation_error',
        operation: name,
        error: `Too many operations in flight (at most ${MAX_IN_FLIGHT})`,
        timestamp: now(),
      });
    }
    this.inFlight++;
    try {
      await this.start();
      if (!this.session) return; // the connection failed and the socket is closing
      const data = await this.run(name, message, this.session);
      this.channel.send({ type: 'operation_result', operation: name, data, timestamp: now() });
    } catch (error) {
      if (this.abort.signal.aborted) return;
      span?.fail(error instanceof OperationError ? 'bad_request' : 'operation_error');
      this.channel.send({ type: 'operation_error', operation: name, error: errorText(error), timestamp: now() });
    } finally {
      this.inFlight--;
    }
  }

  private async run(name: string, op: Operation, { client, timeoutMs }: { client: Client; timeoutMs: number | undefined }): Promise<unknown> {
    const options = { signal: this.abort.signal, ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}) };
    switch (name) {
      case 'list_tools':
        return { tools: (await client.listTools(undefined, options)).tools };
      case 'call_tool': {
        const toolName = requiredString(op.tool_name, 'Tool name is required');
        const result = await client.callTool({ name: toolName, arguments: objectOrEmpty(op.arguments, 'arguments') }, undefined, options);
        return { tool_name: toolName, result };
      }
      case 'list_resources':
        return client.listResources(undefined, options);
      case 'read_resource':
        return client.readResource({ uri: requiredString(op.uri, 'Resource URI is required') }, options);
      case 'list_prompts':
        return { prompts: (await client.listPrompts(undefined, options)).prompts };
      case 'get_prompt': {
        const promptName = requiredString(op.name, 'Prompt name is required');
        const args = op.arguments == null ? undefined : stringRecord(op.arguments);
        return client.getPrompt({ name: promptName, ...(args ? { arguments: args } : {}) }, options);
      }
      default:
        throw new OperationError(`Unknown operation: ${name}`);
    }
  }
}

/** A refused operation: its message is for the client as it is. */
class OperationError extends Error {}

function requiredString(value: unknown, message: string): string {
  if (typeof value !== 'string' || value === '') throw new OperationError(message);
  return value;
}

function objectOrEmpty(value: unknown, name: string): Record<string, unknown> {
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OperationError(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** MCP prompt arguments are strings; other JSON values are sent as their JSON text. */
function stringRecord(value: unknown): Record<string, string> {
  const record = objectOrEmpty(value, 'arguments');
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** The error text an operation_error carries: ours as they are, the SDK's (an MCP error, a timeout) by message. */
function errorText(error: unknown): string {
  if (error instanceof OperationError) return error.message;
  const { kind, message } = describeError(error);
  // An SDK McpError (tool unknown, bad params) or a transport failure: its message names it; an unexpected failure stays generic.
  if (kind === 'internal' && error instanceof Error) return error.message.slice(0, 2000);
  return message;
}
