/**
 * Running the tool calls of one model response: all at once (the model asked for them
 * together), each routed to the workbench that lists it, failures turned into is_error results.
 */
import { cancelledFrom } from '../errors.js';
import type { FunctionCall, FunctionExecutionResult } from '../messages.js';
import type { ToolSchema } from '../models/model-client.js';
import { notify, type EngineObserver } from '../observer.js';
import { traceToolCall } from '../telemetry/index.js';
import type { Workbench } from '../tools/workbench.js';
import { handoffToolSchema, type Handoff } from './handoffs.js';

/** The tools visible to the model for one turn, and where each one runs. */
export interface ToolSet {
  schemas: ToolSchema[];
  workbenchByTool: Map<string, Workbench>;
  handoffByTool: Map<string, Handoff>;
}

export async function listToolSet(workbenches: readonly Workbench[], handoffs: readonly Handoff[]): Promise<ToolSet> {
  const schemas: ToolSchema[] = [];
  const workbenchByTool = new Map<string, Workbench>();
  const listed = await Promise.all(workbenches.map((w) => w.listTools()));
  listed.forEach((tools, i) => {
    for (const schema of tools) {
      // First workbench wins on a name clash, as the model could not tell the two apart anyway.
      if (workbenchByTool.has(schema.name)) continue;
      workbenchByTool.set(schema.name, workbenches[i]!);
      schemas.push(schema);
    }
  });
  const handoffByTool = new Map<string, Handoff>();
  for (const handoff of handoffs) {
    if (workbenchByTool.has(handoff.name) || handoffByTool.has(handoff.name)) continue;
    handoffByTool.set(handoff.name, handoff);
    schemas.push(handoffToolSchema(handoff));
  }
  return { schemas, workbenchByTool, handoffByTool };
}

/** Runs every call concurrently; results come back in the order of the calls. */
export function executeToolCalls(
  calls: readonly FunctionCall[],
  tools: ToolSet,
  signal: AbortSignal,
  observer?: EngineObserver,
): Promise<FunctionExecutionResult[]> {
  return Promise.all(calls.map((call) => traceToolCall(call, () => executeOne(call, tools, signal, observer))));
}

async function executeOne(call: FunctionCall, tools: ToolSet, signal: AbortSignal, observer?: EngineObserver): Promise<FunctionExecutionResult> {
  const result = (content: string, isError: boolean): FunctionExecutionResult => ({
    content,
    name: call.name,
    call_id: call.id,
    is_error: isError,
  });
  const handoff = tools.handoffByTool.get(call.name);
  if (handoff) return result(handoff.message, false);
  const workbench = tools.workbenchByTool.get(call.name);
  if (!workbench) return result(`Error: The tool '${call.name}' is not available.`, true);
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return result(`Error: the arguments of '${call.name}' are not valid JSON: ${call.arguments}`, true);
  }
  const started = performance.now();
  try {
    const outcome = await workbench.callTool(call.name, args, { signal });
    notify(observer?.onToolCall?.bind(observer), { tool: call.name, ms: performance.now() - started, error: outcome.isError });
    return result(outcome.content, outcome.isError);
  } catch (error) {
    notify(observer?.onToolCall?.bind(observer), { tool: call.name, ms: performance.now() - started, error: true });
    // A stopped run is not a tool failure: let the cancellation through.
    if (signal.aborted) throw cancelledFrom(signal);
    return result(`Error: ${error instanceof Error ? error.message : String(error)}`, true);
  }
}

/** AgentChat's `tool_call_summary_format`, filled in for each result and joined with newlines. */
export function summarizeToolCalls(format: string, calls: readonly FunctionCall[], results: readonly FunctionExecutionResult[]): string {
  return results
    .map((r) => {
      const call = calls.find((c) => c.id === r.call_id);
      const fields: Record<string, string> = {
        tool_name: r.name,
        arguments: call?.arguments ?? '',
        result: r.content,
        is_error: r.is_error ? 'True' : 'False',
      };
      return format.replace(/\{(tool_name|arguments|result|is_error)\}/g, (_, key: string) => fields[key] ?? '');
    })
    .join('\n');
}
