/**
 * Hand-offs: each `handoffs[]` entry of an AssistantAgent becomes a `transfer_to_<target>` tool.
 * When the model calls one, the agent answers with a HandoffMessage to the target.
 */
import { z } from 'zod';
import type { ToolSchema } from '../models/model-client.js';

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
