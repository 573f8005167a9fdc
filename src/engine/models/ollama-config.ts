/**
 * The OllamaChatCompletionClient config as AGS writes it (autogen_ext.models.ollama): `model`,
 * `host`, `options`, `model_info`, `headers`, `timeout`, `follow_redirects`, `keep_alive`, and
 * sampling parameters at the top level (moved into `options`, as AgentChat does).
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ModelInfo } from './model-client.js';
import { ModelInfoSchema } from './openai-config.js';
import { OLLAMA_MODEL_INFO, OLLAMA_TOKEN_LIMITS } from './ollama-models.js';

/** Where the Ollama Python client connects when no host is given. */
const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

export const OllamaClientConfigSchema = z.looseObject({
  model: z.string().min(1),
  host: z.string().min(1).nullish(),
  options: z.record(z.string(), z.unknown()).nullish(),
  model_info: ModelInfoSchema.nullish(),
  model_capabilities: z.record(z.string(), z.unknown()).nullish(),
  headers: z.record(z.string(), z.string()).nullish(),
  /** Seconds; absent or null: only the run's stop ends a request. */
  timeout: z.number().positive().nullish(),
  follow_redirects: z.boolean().nullish(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
  format: z.unknown().optional(),
  response_format: z.unknown().optional(),
});
export type OllamaClientConfig = z.input<typeof OllamaClientConfigSchema>;

/** Sampling parameters AgentChat moves from the top level of the config into Ollama's `options`. */
const CONTROL_PARAMS = new Set([
  'temperature',
  'top_p',
  'top_k',
  'repeat_penalty',
  'frequency_penalty',
  'presence_penalty',
  'mirostat',
  'mirostat_eta',
  'mirostat_tau',
  'seed',
  'num_ctx',
  'num_predict',
  'num_gpu',
  'stop',
  'tfs_z',
  'typical_p',
]);

/** Keys of Ollama's chat request that a config or `extra_create_args` may set. */
const REQUEST_KEYS = new Set(['model', 'format', 'options', 'keep_alive', 'think']);

/**
 * The request fields a config (or a call's extra create args) gives, as AgentChat's
 * `_create_args_from_config` builds them: known request keys kept, sampling parameters moved into
 * `options`, everything else (host, headers, model_info, ...) left out of the request body.
 */
export function requestArgs(config: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const options: Record<string, unknown> = isRecord(config.options) ? { ...config.options } : {};
  for (const [key, value] of Object.entries(config)) {
    const k = key.toLowerCase();
    if (k === 'options' || value === null || value === undefined) continue;
    if (REQUEST_KEYS.has(k)) args[k] = value;
    else if (CONTROL_PARAMS.has(k)) options[k] = value;
  }
  if (Object.keys(options).length > 0) args.options = options;
  return args;
}

/**
 * The base URL a `host` names, as the Ollama Python client reads it: without a scheme it is
 * http on port 11434 (`ollama.lan` → `http://ollama.lan:11434`); with one, the scheme's default
 * port unless a port is given.
 */
export function ollamaBaseUrl(host: string | null | undefined): URL {
  const raw = (host ?? '').trim() || OLLAMA_DEFAULT_HOST;
  const withScheme = raw.includes('://') ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError('config.host', `"${raw}" is not a host or URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('config.host', `scheme ${url.protocol} is not http or https`);
  if (!raw.includes('://') && !url.port) url.port = '11434';
  return url;
}

/**
 * The model's capabilities: `model_info` when given, else AgentChat's table entry for the
 * model's class. Throws ConfigError (as AgentChat raises) for an unknown model without it.
 */
export function resolveOllamaModelInfo(config: {
  model: string;
  model_info?: ModelInfo | null;
  model_capabilities?: Record<string, unknown> | null;
}): ModelInfo {
  if (config.model_info) return config.model_info;
  // The deprecated model_capabilities stand for model_info with an unknown family (as AgentChat reads them).
  const caps = config.model_capabilities;
  if (caps) {
    return {
      vision: caps.vision === true,
      function_calling: caps.function_calling === true,
      json_output: caps.json_output === true,
      family: 'unknown',
    };
  }
  const known = OLLAMA_MODEL_INFO[modelClass(config.model)];
  if (!known) {
    throw new ConfigError('config.model_info', `is required: "${config.model}" is not in AgentChat's table of Ollama models`);
  }
  const [vision, functionCalling, family] = known;
  // Every model in the table supports JSON and structured output (Ollama's `format`).
  return { vision, function_calling: functionCalling, json_output: true, family, structured_output: true };
}

/** The context window of a model, when AgentChat's table knows it (by full name, then by class). */
export function ollamaTokenLimit(model: string): number | undefined {
  return OLLAMA_TOKEN_LIMITS[model] ?? OLLAMA_TOKEN_LIMITS[modelClass(model)];
}

function modelClass(model: string): string {
  return model.split(':')[0]!;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
