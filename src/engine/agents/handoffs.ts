/**
 * Hand-offs: each `handoffs[]` entry of an AssistantAgent becomes a `transfer_to_<target>` tool.
 * When the model calls one, the agent answers with a HandoffMessage to the target.
 */
import { z } from 'zod';
import type { FunctionCall, FunctionExecutionResult, HandoffMessage } from '../messages.js';
import type { LLMMessage, ToolSchema } from '../models/model-client.js';
import { LLMMessageSchema } from '../state.js';

export const HandoffSpecSchema = z.object({
  target: z.string().min(1),
  description: z.string().nullish(),
  name: z.string().nullish(),
  message: z.string().nullish(),
});
export const HandoffConfigSchema = z.union([z.string().min(1), HandoffSpecSchema]);
/** A handoff as written in a config: a target name, or `{target, description?, name?, message?}`. */
export type HandoffConfig = z.infer<typeof HandoffConfigSchema>;

/** A handoff with AgentChat's defaults filled in. */
export interface Handoff {
  target: string;
  /** The tool's name, `transfer_to_<target>` by default. */
  name: string;
  description: string;
  /** The tool result and the HandoffMessage's content. */
  message: string;
}

export function resolveHandoff(config: HandoffConfig): Handoff {
  const spec = typeof config === 'string' ? { target: config } : config;
  const target = spec.target;
  return {
    target,
    name: spec.name || `transfer_to_${target.toLowerCase()}`,
    description: spec.description || `Handoff to ${target}.`,
    message: spec.message || `Transferred to ${target}, adopting the role of ${target} immediately.`,
  };
}

export function handoffToolSchema(handoff: Handoff): ToolSchema {
  return {
    name: handoff.name,
    description: handoff.description,
    parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  };
}

/**
 * What a hand-off carries to its target (AgentChat's AssistantAgent): the turn's other tool calls
 * and their results, as the model context saw them, or, when there were none, the model's thought.
 * `calls` and `results` are the whole step, hand-off calls included; those are left out.
 */
export function handoffContext(
  agentName: string,
  calls: readonly FunctionCall[],
  results: readonly FunctionExecutionResult[],
  handoffTools: ReadonlySet<string>,
  thought: string | undefined,
): LLMMessage[] {
  const toolCalls = calls.filter((call) => !handoffTools.has(call.name));
  if (toolCalls.length > 0) {
    const ids = new Set(toolCalls.map((call) => call.id));
    return [
      { type: 'AssistantMessage', content: toolCalls, source: agentName, ...(thought ? { thought } : {}) },
      { type: 'FunctionExecutionResultMessage', content: results.filter((result) => ids.has(result.call_id)) },
    ];
  }
  return thought ? [{ type: 'AssistantMessage', content: thought, source: agentName }] : [];
}

/**
 * The model-context messages a received HandoffMessage brings, in order (AgentChat adds them to the
 * receiver's model context before the hand-off itself). Entries that are not model messages are skipped.
 */
export function receivedHandoffContext(message: HandoffMessage): LLMMessage[] {
  return message.context.flatMap((item) => {
    const parsed = LLMMessageSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
