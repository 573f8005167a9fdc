/**
 * Config schema of the Anthropic model client, in the key names of AutoGen's
 * `autogen_ext.models.anthropic.AnthropicClientConfiguration` (as AGS writes it). Known keys are
 * checked strictly by type; unknown keys pass through untouched, so `toConfig()` gives back
 * what came in.
 */
import { z } from 'zod';
import type { ModelInfo } from './model-client.js';
import { ModelInfoSchema } from './openai-config.js';

const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

/** AgentChat's default `max_tokens` for Anthropic (the Messages API requires one). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export const AnthropicClientConfigSchema = z.looseObject({
  model: z.string().min(1),
  /** Tokens the answer may use; the Messages API requires it (AgentChat's default: 4096). */
  max_tokens: opt(z.number().int().positive()),
  temperature: opt(z.number().min(0).max(1)),
  top_p: opt(z.number().min(0).max(1)),
  top_k: opt(z.number().int().min(0)),
  stop_sequences: opt(z.array(z.string())),
  metadata: opt(z.record(z.string(), z.string())),
  /** Extended thinking, passed as is (`{type: "enabled", budget_tokens}`). */
  thinking: opt(z.looseObject({ type: z.string() })),
  api_key: opt(z.string()),
  base_url: opt(z.url()),
  /** Seconds, as in AGS (the SDK wants milliseconds). */
  timeout: opt(z.number().positive()),
  max_retries: opt(z.number().int().min(0)),
  default_headers: opt(z.record(z.string(), z.string())),
  model_info: opt(ModelInfoSchema),
  /** AgentChat's older name for model_info. */
  model_capabilities: opt(z.looseObject({ vision: z.boolean(), function_calling: z.boolean(), json_output: z.boolean() })),
});
export type AnthropicClientConfig = z.input<typeof AnthropicClientConfigSchema>;

/** Keys of a config that go into the request body of every call (max_tokens is always sent). */
export const ANTHROPIC_CREATE_ARG_KEYS = ['temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'thinking'] as const;

/** Claude models by name prefix (longest first wins), with AgentChat's family names. */
const KNOWN_CLAUDE: [prefix: string, family: string][] = [
  ['claude-3-haiku', 'claude-3-haiku'],
  ['claude-3-sonnet', 'claude-3-sonnet'],
  ['claude-3-opus', 'claude-3-opus'],
  ['claude-3-5-haiku', 'claude-3-5-haiku'],
  ['claude-3-5-sonnet', 'claude-3-5-sonnet'],
  ['claude-3-7-sonnet', 'claude-3-7-sonnet'],
  ['claude-sonnet-4', 'claude-4-sonnet'],
  ['claude-opus-4', 'claude-4-opus'],
  ['claude-haiku-4', 'claude-4-haiku'],
];

/**
 * The model's capabilities: `model_info` from the config, else `model_capabilities`, else what
 * AgentChat knows of Claude models (vision and tools, no JSON mode), else family `unknown` with
 * the same capabilities (every current Claude model has them).
 */
export function resolveAnthropicModelInfo(
  model: string,
  configured: ModelInfo | null | undefined,
  capabilities: { vision: boolean; function_calling: boolean; json_output: boolean } | null | undefined,
): ModelInfo {
  if (configured) return { ...configured };
  const known = [...KNOWN_CLAUDE].sort((a, b) => b[0].length - a[0].length).find(([prefix]) => model.startsWith(prefix));
  const family = known?.[1] ?? 'unknown';
  if (capabilities) return { ...capabilities, family, structured_output: false };
  return { vision: true, function_calling: true, json_output: false, family, structured_output: false };
}
