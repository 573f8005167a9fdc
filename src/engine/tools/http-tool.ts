/**
 * HttpTool (autogen_ext.tools.http.HttpTool): a tool declared entirely in its config. The model
 * calls it with arguments that follow `json_schema`; path parameters (`/users/{id}`) are filled
 * from them and the rest go as query parameters (GET, DELETE) or a JSON body (POST, PUT, PATCH).
 * The answer's body is the result, as text or JSON. An error status (≥ 300: redirects are not
 * followed, as httpx does not) is an error result `HTTP <status>` with the upstream's JSON error
 * message only, as the egress policy passes it on (AgentChat would return the raw body).
 * Requests go through the egress policy's fetch only.
 */
import { z } from 'zod';
import type { Configurable } from '../components/component-model.js';
import { ConfigError } from '../errors.js';
import type { ToolSchema } from '../models/model-client.js';
import { TOOL_NAME, type Tool, type ToolContext, type ToolResult } from './tool.js';
import { capText } from './web/http.js';

export const HTTP_TOOL_PROVIDER = 'autogen_ext.tools.http.HttpTool';

/** Characters of a response passed to the model; the rest is cut with a note (the egress policy caps bytes). */
const HTTP_TOOL_MAX_RESULT_CHARS = 100_000;

/** The config with AgentChat's defaults (HttpToolConfig): POST, http, path `/`, text, 5 s. */
export const HttpToolConfigSchema = z.object({
  name: z.string().regex(TOOL_NAME, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().nullish(),
  scheme: z.enum(['http', 'https']).default('http'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  path: z.string().default('/'),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']).nullish(),
  headers: z.record(z.string(), z.unknown()).nullish(),
  json_schema: z.record(z.string(), z.unknown()),
  return_type: z.enum(['text', 'json']).nullish(),
  timeout: z.number().positive().default(5),
});
export type HttpToolConfig = z.output<typeof HttpToolConfigSchema>;

const PATH_PARAM = /\{([^}]*)\}/g;

export class HttpTool implements Tool, Configurable {
  readonly provider = HTTP_TOOL_PROVIDER;
  readonly componentType = 'tool' as const;
  readonly name: string;
  readonly description: string;
  readonly schema: ToolSchema;
  private readonly pathParams: ReadonlySet<string>;
  private readonly properties: Record<string, Record<string, unknown>>;
  private readonly required: readonly string[];

  /**
   * @param config the checked config (defaults filled in)
   * @param fetch the egress policy's fetch; the tool has no other way out
   * @throws ConfigError when a path parameter is not a string property of `json_schema`
   */
  constructor(
    readonly config: HttpToolConfig,
    private readonly fetch: typeof globalThis.fetch,
  ) {
    this.name = config.name;
    this.description = config.description ?? 'HTTP tool';
    const schema = config.json_schema as { properties?: Record<string, Record<string, unknown>>; required?: unknown };
    this.properties = schema.properties ?? {};
    this.required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
    this.pathParams = new Set([...config.path.matchAll(PATH_PARAM)].map((m) => m[1]!));
    for (const param of this.pathParams) {
      if (this.properties[param]?.type !== 'string') {
        throw new ConfigError('config.json_schema', `path parameter "${param}" must be a string property of json_schema (as AgentChat requires)`);
      }
    }
    this.schema = { name: this.name, description: this.description, parameters: { type: 'object', ...config.json_schema } };
  }

  async run(args: unknown, context: ToolContext): Promise<ToolResult> {
    const invalid = this.check(args);
    if (invalid) return { content: `Invalid arguments for ${this.name}: ${invalid}`, isError: true };
    const values = { ...(args as Record<string, unknown>) };
    const method = this.config.method ?? 'POST';
    const path = this.config.path.replace(PATH_PARAM, (_m, name: string) => {
      const value = String(values[name]);
      delete values[name];
      // Encoded, so a value cannot add path segments or a query of its own.
      return encodeURIComponent(value);
    });
    const url = new URL(`${this.config.scheme}://${hostForUrl(this.config.host)}:${this.config.port}`);
    url.pathname = path.startsWith('/') ? path : `/${path}`;
    const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    if (!withBody) appendQuery(url, values);
    const headers: Record<string, string> = Object.fromEntries(Object.entries(this.config.headers ?? {}).map(([k, v]) => [k, String(v)]));
    if (withBody) headers['content-type'] = 'application/json';
    try {
      const response = await this.fetch(url, {
        method,
        headers,
        // httpx, which AgentChat uses, does not follow redirects by default.
        redirect: 'manual',
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(this.config.timeout * 1000)]),
        ...(withBody ? { body: JSON.stringify(values) } : {}),
      });
      const text = await response.text();
      // AgentChat returns an error answer's body as the result; the egress policy passes on only
      // its JSON error message (never an internal page), so the model gets the status and that.
      if (response.status >= 300) return { content: `HTTP ${response.status}${text ? `: ${text}` : ''}`, isError: true };
      if ((this.config.return_type ?? 'text') === 'json')
        return { content: capText(JSON.stringify(JSON.parse(text)), HTTP_TOOL_MAX_RESULT_CHARS), isError: false };
      return { content: capText(text, HTTP_TOOL_MAX_RESULT_CHARS), isError: false };
    } catch (error) {
      if (context.signal.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const message =
        error instanceof DOMException && error.name === 'TimeoutError'
          ? `timed out after ${this.config.timeout} s`
          : cause instanceof Error
            ? cause.message
            : String(cause);
      return { content: `Error: ${message}`, isError: true };
    }
  }

  /** The config as AgentChat dumps it: every field, defaults included, headers only when set. */
  toConfig(): Record<string, unknown> {
    const c = this.config;
    const config: Record<string, unknown> = {
      name: c.name,
      description: this.description,
      scheme: c.scheme,
      host: c.host,
      port: c.port,
      path: c.path,
      method: c.method ?? 'POST',
    };
    if (c.headers) config.headers = { ...c.headers };
    config.json_schema = structuredClone(c.json_schema);
    config.return_type = c.return_type ?? 'text';
    config.timeout = c.timeout;
    return config;
  }

  /** What is wrong with the arguments against json_schema (object, required keys, primitive types), or undefined. */
  private check(args: unknown): string | undefined {
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'expected an object';
    const record = args as Record<string, unknown>;
    const missing = [...new Set([...this.required, ...this.pathParams])].filter((k) => record[k] === undefined || record[k] === null);
    if (missing.length) return `missing ${missing.join(', ')}`;
    for (const [key, value] of Object.entries(record)) {
      const type = this.properties[key]?.type;
      if (typeof type === 'string' && value !== null && !hasType(value, type)) return `${key}: expected ${type}`;
    }
    return undefined;
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/** Query values as httpx writes them: lists as repeated keys, booleans lower-case. */
function appendQuery(url: URL, values: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
