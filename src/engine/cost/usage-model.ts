/**
 * Which model reported a usage. A model client tags the RequestUsage object of each call with the
 * model name the provider reported; the run driver reads the tag to price the call. The tag lives
 * beside the object (a WeakMap), not in it, so `models_usage` keeps AgentChat's RequestUsage shape
 * on the wire; the agents pass `result.usage` on as the message's `models_usage` unchanged.
 * A usage without a tag (the replay client, a cached answer) is never priced.
 */
import type { RequestUsage } from '../messages.js';

const reportedBy = new WeakMap<RequestUsage, string>();

/** Tags `usage` with `model` (ignored when empty) and returns it. */
export function tagUsageModel<T extends RequestUsage>(usage: T, model: string | null | undefined): T {
  if (model) reportedBy.set(usage, model);
  return usage;
}

/** The model that reported `usage`, if a model client tagged it. */
export function usageModel(usage: RequestUsage): string | undefined {
  return reportedBy.get(usage);
}
