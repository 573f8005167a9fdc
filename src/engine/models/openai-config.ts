/**
 * Config schemas of the OpenAI and Azure OpenAI model clients, in AutoGen Studio's key names.
 * Known keys are checked strictly by type; unknown keys (AGS configs carry extras) pass through
 * untouched, so `toConfig()` gives back what came in.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ModelInfo } from './model-client.js';

export const ModelInfoSchema = z.looseObject({
  vision: z.boolean(),
  function_calling: z.boolean(),
  json_output: z.boolean(),
  family: z.string().default('unknown'),
  structured_output: z.boolean().optional(),
});

/** AGS serialises unset values as null at times; null means "not set". */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

/** The create arguments a config may fix for every call. */
const createArgsShape = {
  temperature: opt(z.number().min(0).max(2)),
  max_tokens: opt(z.number().int().positive()),
  top_p: opt(z.number().min(0).max(1)),
  seed: opt(z.number().int()),
  stop: opt(z.union([z.string(), z.array(z.string())])),
  response_format: opt(z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) })),
  frequency_penalty: opt(z.number().min(-2).max(2)),
  presence_penalty: opt(z.number().min(-2).max(2)),
  user: opt(z.string()),
};

const connectionShape = {
  api_key: opt(z.string()),
  organization: opt(z.string()),
  /** Seconds, as in AGS (the SDK wants milliseconds). */
  timeout: opt(z.number().positive()),
  max_retries: opt(z.number().int().min(0)),
  model_info: opt(ModelInfoSchema),
  default_headers: opt(z.record(z.string(), z.string())),
};

export const OpenAIClientConfigSchema = z.looseObject({
  model: z.string().min(1),
  base_url: opt(z.url()),
  ...connectionShape,
  ...createArgsShape,
});
export type OpenAIClientConfig = z.input<typeof OpenAIClientConfigSchema>;

export const AzureOpenAIClientConfigSchema = z.looseObject({
  /** The model name, used for model_info defaults; the deployment is what the URL names. */
  model: opt(z.string().min(1)),
  azure_endpoint: z.url(),
  azure_deployment: opt(z.string().min(1)),
  api_version: z.string().min(1),
  ...connectionShape,
  ...createArgsShape,
});
export type AzureOpenAIClientConfig = z.input<typeof AzureOpenAIClientConfigSchema>;

/** Keys of a config that go into the request body of every call. */
export const CREATE_ARG_KEYS = Object.keys(createArgsShape) as (keyof typeof createArgsShape)[];

/** Parses a config, turning zod issues into a ConfigError naming the first bad key (`config.temperature`). */
export function parseClientConfig<S extends z.ZodType>(schema: S, config: unknown): z.output<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = ['config', ...issue.path.map(String)].join('.');
  const all = parsed.error.issues.map((i) => `${['config', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
  throw new ConfigError(path, `invalid model client config (${all})`, { cause: parsed.error });
}

/** Families whose capabilities are known; matched by prefix, longest first. */
const KNOWN_MODELS: [prefix: string, info: ModelInfo][] = [
  ['gpt-4o', { vision: true, function_calling: true, json_output: true, family: 'gpt-4o', structured_output: true }],
  ['gpt-4.1', { vision: true, function_calling: true, json_output: true, family: 'gpt-41', structured_output: true }],
  ['gpt-4.5', { vision: true, function_calling: true, json_output: true, family: 'gpt-45', structured_output: true }],
  ['gpt-5', { vision: true, function_calling: true, json_output: true, family: 'gpt-5', structured_output: true }],
  ['gpt-4-turbo', { vision: true, function_calling: true, json_output: true, family: 'gpt-4', structured_output: false }],
  ['gpt-4', { vision: false, function_calling: true, json_output: true, family: 'gpt-4', structured_output: false }],
  ['gpt-3.5-turbo', { vision: false, function_calling: true, json_output: true, family: 'gpt-35', structured_output: false }],
  ['o1', { vision: false, function_calling: false, json_output: false, family: 'o1', structured_output: false }],
  ['o3', { vision: true, function_calling: true, json_output: true, family: 'o3', structured_output: true }],
  ['o4-mini', { vision: true, function_calling: true, json_output: true, family: 'o4', structured_output: true }],
];

/**
 * The model's capabilities: `model_info` from the config, else what is known of the model name,
 * else a guess that lets tools work (most OpenAI-compatible servers support function calling).
 */
export function resolveModelInfo(model: string | null | undefined, configured: ModelInfo | null | undefined): ModelInfo {
  if (configured) return { ...configured };
  const name = model ?? '';
  const known = [...KNOWN_MODELS].sort((a, b) => b[0].length - a[0].length).find(([prefix]) => name.startsWith(prefix));
  if (known) return { ...known[1] };
  return { vision: false, function_calling: true, json_output: false, family: 'unknown', structured_output: false };
}
