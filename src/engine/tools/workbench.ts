/**
 * A workbench is a set of tools an agent can list and call (AgentChat's Workbench). A static one
 * wraps in-process tools; an MCP one forwards to an MCP server.
 */
import type { ToolSchema } from '../models/model-client.js';
import type { Tool, ToolContext, ToolResult } from './tool.js';

export interface Workbench {
  listTools(): Promise<ToolSchema[]>;
  callTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult>;
  /** Releases connections or child processes. Safe to call twice. */
  close(): Promise<void>;
}

export class StaticWorkbench implements Workbench {
  private readonly byName: Map<string, Tool>;

  constructor(readonly tools: readonly Tool[]) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
  }

  async listTools(): Promise<ToolSchema[]> {
    return this.tools.map((t) => t.schema);
  }

  async callTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
    const found = this.byName.get(name);
    if (!found) return { content: `Error: unknown tool "${name}"`, isError: true };
    return found.run(args, context);
  }

  async close(): Promise<void> {}
}
