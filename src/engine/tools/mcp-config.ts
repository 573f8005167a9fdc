/**
 * McpWorkbench's config in AGS's shape, and the mapping of MCP tool results to text.
 * AGS tags `server_params` with `type`; a config without it is read as stdio when it has a
 * `command` and as streamable HTTP when it has a `url`.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const seconds = z.number().positive().nullish();
const headers = z.record(z.string(), z.string()).nullish();

export const StdioServerParamsSchema = z.looseObject({
  type: z.literal('StdioServerParams'),
  command: z.string().min(1),
  args: z.array(z.string()).nullish(),
  env: z.record(z.string(), z.string()).nullish(),
  cwd: z.string().nullish(),
  read_timeout_seconds: seconds,
});

export const StreamableHttpServerParamsSchema = z.looseObject({
  type: z.literal('StreamableHttpServerParams'),
  url: z.url(),
  headers,
  timeout: seconds,
  sse_read_timeout: seconds,
  terminate_on_close: z.boolean().nullish(),
});

export const SseServerParamsSchema = z.looseObject({
  type: z.literal('SseServerParams'),
  url: z.url(),
  headers,
  timeout: seconds,
  sse_read_timeout: seconds,
});

const ServerParamsSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || 'type' in value) return value;
    if ('command' in value) return { ...value, type: 'StdioServerParams' };
    if ('url' in value) return { ...value, type: 'StreamableHttpServerParams' };
    return value;
  },
  z.discriminatedUnion('type', [StdioServerParamsSchema, StreamableHttpServerParamsSchema, SseServerParamsSchema]),
);

export const McpWorkbenchConfigSchema = z.looseObject({
  server_params: ServerParamsSchema,
  /** Renames or re-describes server tools for the model: `{original_name: {name?, description?}}`. */
  tool_overrides: z.record(z.string(), z.looseObject({ name: z.string().nullish(), description: z.string().nullish() })).nullish(),
});

export type McpWorkbenchConfig = z.input<typeof McpWorkbenchConfigSchema>;
export type McpServerParams = z.output<typeof ServerParamsSchema>;

/** Parses a config; the ConfigError names the first bad key (`config.server_params.url`). */
export function parseMcpWorkbenchConfig(config: unknown): z.output<typeof McpWorkbenchConfigSchema> {
  const parsed = McpWorkbenchConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const pathOf = (path: PropertyKey[]) => ['config', ...path.map(String)].join('.');
  const all = parsed.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`).join('; ');
  throw new ConfigError(pathOf(parsed.error.issues[0]!.path), `invalid McpWorkbench config (${all})`, { cause: parsed.error });
}

/** The parts of an MCP tool result read here (the SDK's result type is a wider union). */
interface McpCallResult {
  content?: unknown;
  structuredContent?: unknown;
  toolResult?: unknown;
}

/** MCP content → the text a model reads: text as is, other kinds as a short marker. */
export function contentToText(result: McpCallResult): string {
  if (!Array.isArray(result.content)) {
    const legacy = result.structuredContent ?? result.toolResult;
    return legacy === undefined ? '' : typeof legacy === 'string' ? legacy : JSON.stringify(legacy);
  }
  const parts = (result.content as Record<string, unknown>[]).map((item) => {
    switch (item.type) {
      case 'text':
        return textOf(item.text);
      case 'image':
      case 'audio':
        return `[${item.type}: ${textOf(item.mimeType) || 'unknown'}]`;
      case 'resource': {
        const resource = (item.resource ?? {}) as Record<string, unknown>;
        return typeof resource.text === 'string' ? resource.text : `[resource: ${textOf(resource.uri)}]`;
      }
      case 'resource_link':
        return `[resource: ${textOf(item.uri)}]`;
      default:
        return JSON.stringify(item);
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** A field of an MCP content item as text: strings as they are, anything else as JSON, nothing as ''. */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
