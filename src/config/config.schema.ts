import { z } from 'zod';
import { EgressAllowSchema } from '../engine/index.js';

/** Log levels accepted by LOG_LEVEL, from the most to the least verbose. */
export const LOG_LEVELS = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** An env value that is absent or blank counts as unset, so `KEY=` in a .env file means "default". */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** `scheme://host[:port]` exactly as a browser sends it in `Origin` (no path, no trailing slash). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

const databaseUrl = z
  .string()
  .trim()
  .refine((v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be sqlite:<file path> or postgres://user@host:port/db',
  });

/**
 * The environment as the service reads it. Every key has a default or is optional, so an
 * empty environment is a valid (development) configuration.
 */
export const envSchema = z.object({
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Largest accepted JSON request body, in body-parser's notation (bytes, or with kb/mb). */
  HTTP_BODY_LIMIT: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^\d+(b|kb|mb)?$/, 'must be a size such as 1048576, 512kb or 1mb')
    .default('1mb'),
  /** REST requests one user (or one IP, when anonymous) may make per minute; 0 disables the limit. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
  DATABASE_URL: databaseUrl.default('sqlite:./data/teamstream.db'),
  /** PostgreSQL schema to use (created if missing); lets several instances or test suites share one database. */
  DATABASE_SCHEMA: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier')
      .optional(),
  ),
  /** Log every SQL statement (TypeORM logging). */
  DATABASE_LOGGING: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Seconds a run's database writes are retried while the database does not answer; then the run ends error. */
  DB_RETRY_S: z.coerce.number().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('log'),
  AUTH_TYPE: z.enum(['none', 'jwt']).default('none'),
  JWT_SECRET: optionalString,
  /**
   * AES-256-GCM key for secrets at rest (settings environment values, API keys in stored team
   * configs): 32 random bytes in base64 (`openssl rand -base64 32`). Unset: stored in plain text.
   */
  SECRETS_KEY: optionalString,
  /** Earlier SECRETS_KEY values (comma-separated) still accepted for reading, while rotating. */
  SECRETS_KEY_PREVIOUS: optionalString,
  /** The server's OpenAI key: sent only to OPENAI_BASE_URL, or to the official endpoint when that is unset. */
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  /** The server's Azure OpenAI key: sent only to AZURE_OPENAI_ENDPOINT (required with it). */
  AZURE_OPENAI_API_KEY: optionalString,
  AZURE_OPENAI_ENDPOINT: optionalString.pipe(z.url().optional()),
  /** The server's Anthropic key: sent only to ANTHROPIC_BASE_URL, or to the official endpoint when that is unset. */
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  /**
   * Non-public destinations configs may still name (comma-separated addresses, CIDR blocks,
   * host names, each with an optional :port; `*` for all). See README, Security.
   */
  EGRESS_ALLOW: optionalString.pipe(EgressAllowSchema),
  /** Most bytes of one response body from a model server or MCP server (decoded); default 32 MiB. */
  EGRESS_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
  /** Directory of operator-installed tool modules (.js/.mjs) that team configs may name. */
  TOOLS_DIR: optionalString,
  /** JSON file of the pinned MCP stdio servers configs may start (README, Security); unset: none. */
  MCP_SERVERS_FILE: optionalString,
  /** Python from configs (FunctionTool source_code, code execution): run in the WebAssembly sandbox, or refused. */
  PYTHON_TOOLS: z.enum(['sandbox', 'off']).default('sandbox'),
  /** Sandbox processes kept started, so a Python call does not wait for Pyodide to load. */
  PYTHON_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(2),
  /** Sandbox processes in all (spares and runs' own); a call past it waits for one to free up. */
  PYTHON_MAX_PROCESSES: z.coerce.number().int().min(1).max(256).default(6),
  /** Sandbox processes one user's runs may hold at once, so one user cannot starve the others. */
  PYTHON_MAX_PROCESSES_PER_USER: z.coerce.number().int().min(1).max(256).default(2),
  /** Wall-clock seconds one Python call may take; past it its process is killed and replaced. */
  PYTHON_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(30),
  /** Cap of Python's heap in one sandbox process, in MiB. */
  PYTHON_MEMORY_MB: z.coerce.number().int().min(64).max(4096).default(256),
  /** Longest text a Python or web tool returns to the model; the rest is cut with a note. */
  TOOL_MAX_OUTPUT_CHARS: z.coerce.number().int().min(1000).max(10_000_000).default(50_000),
  /** Keys of the google_search tool (Google Programmable Search JSON API); sent only to Google. */
  GOOGLE_API_KEY: optionalString,
  GOOGLE_CSE_ID: optionalString,
  /** Where generate_image saves the images it makes. */
  IMAGES_DIR: z.string().trim().min(1).default('./data/images'),
  /** The web surfer's browser (Debian's chromium; scripts/ensure-chromium.sh installs it); given to the engine in its load context. */
  CHROMIUM_PATH: z.string().trim().min(1).default('/usr/bin/chromium'),
  /** The web surfer's web_search page: `{query}` becomes the URL-encoded query; given to the engine in its load context. */
  WEB_SURFER_SEARCH_URL: z
    .string()
    .trim()
    .url()
    .refine((url) => url.includes('{query}'), 'must contain {query}')
    .default('https://www.bing.com/search?q={query}&FORM=QBLH'),
  /** Chunk frames are written to the event log in batches: at most this often (ms) … */
  RUN_CHUNK_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(50),
  /** … or as soon as this many chunks are pending. */
  RUN_CHUNK_FLUSH_MAX: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Once a streamed turn's final message is stored, its chunk frames are deleted from the log (protocol §2.2). */
  RUN_COMPACT_CHUNKS: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** Frames one run may emit (chunks included, its terminal frame too); past it the run ends stopped. */
  RUN_MAX_FRAMES: z.coerce.number().int().min(10).max(100_000_000).default(100_000),
  /** What closing the last socket of a live run does: detach (the run goes on) or stop it. */
  RUN_ON_DISCONNECT: z.enum(['grace', 'detach', 'stop']).default('grace'),
  /** With RUN_ON_DISCONNECT=grace: seconds a run with no viewer goes on before it stops (`All viewers left`). */
  RUN_DETACH_GRACE_S: z.coerce.number().min(0).max(86_400).default(60),
  /** Seconds a run waits for a human-input answer before it ends stopped. */
  RUN_INPUT_TIMEOUT_S: z.coerce.number().int().min(1).max(86_400).default(180),
  /** Agent turns one run may take, whatever its team's own termination; past it the run ends stopped. */
  RUN_MAX_TURNS: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Wall-clock seconds one run may last; past it the run ends stopped. */
  RUN_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /** Live runs this process runs at once, in total and per user; a start over either is refused. */
  MAX_LIVE_RUNS: z.coerce.number().int().min(1).max(100_000).default(200),
  MAX_LIVE_RUNS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Largest client frame on any socket, in bytes: the transport's limit (1009 past it, never buffered). */
  WS_MAX_FRAME_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** Largest task text (characters) and decoded uploaded file (bytes) in a `start` frame. */
  MAX_TASK_CHARS: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** WebSocket ping interval in ms; a socket that misses a whole interval is dropped. 0 disables. */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** A viewer's unsent bytes past which its chunks are merged, and past which it is closed 1013. */
  WS_VIEWER_SOFT_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  WS_VIEWER_HARD_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Origins (scheme://host[:port], comma-separated, or `*`) a browser may call from; empty = same-origin only. */
  CORS_ORIGINS: optionalString.pipe(
    z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(',')
              .map((o) => o.trim())
              .filter(Boolean)
          : [],
      )
      .refine((list) => list.every((o) => o === '*' || isOrigin(o)), 'must be * or comma-separated origins such as https://app.example.com'),
  ),
  /** Host names (no port; `*`: any) requests and socket upgrades may name in `Host`, besides the loopback names (DNS rebinding). */
  ALLOWED_HOSTS: optionalString.transform((v) =>
    v
      ? v
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean)
      : [],
  ),
  /** Deepest nesting of JSON accepted in a request body or socket frame (objects and arrays). */
  MAX_JSON_DEPTH: z.coerce.number().int().min(2).max(10_000).default(64),
  /** Open WebSockets (every path) in total, and per verified user (per client IP without auth); over: close 1013. */
  WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** AGS MCP playground sessions (/api/mcp/ws/*) one user may have open or pending at once; over: 429. */
  MCP_MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(4),
  /** Seconds a session made by POST /api/mcp/ws/connect waits for its socket before it is forgotten. */
  MCP_CONNECT_TTL_S: z.coerce.number().int().min(1).max(3600).default(60),
  /** Operations (README, Operating it): log line format; `auto` is pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Seconds a graceful shutdown (SIGTERM/SIGINT) may take to drain live runs before the process exits anyway. */
  SHUTDOWN_GRACE_S: z.coerce.number().min(0).max(3600).default(25),
  /** Prometheus metrics at GET /metrics: `on` or `off`. */
  METRICS: z.enum(['on', 'off']).default('off'),
  /** Serve /metrics on its own port (on HOST) instead of the API port; unset: the API port. */
  METRICS_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(1).max(65535).optional()),
  /** A JSON price table laid over the built-in one (README, Operating it: Cost); unset: built-in prices only. */
  MODEL_PRICES_FILE: optionalString,
  /**
   * OpenTelemetry tracing (standard variables, read by src/observability/tracing.ts and the Node
   * SDK; listed here so a typo in their values fails at start-up). Tracing is off unless
   * OTEL_TRACES_EXPORTER (not `none`), an OTLP endpoint, or OTEL_SDK_DISABLED=false asks for it.
   */
  OTEL_SDK_DISABLED: optionalString.transform((v) => v?.toLowerCase()).pipe(z.enum(['true', 'false']).optional()),
  OTEL_TRACES_EXPORTER: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('teamstream'),
  /** `true`: model messages and tool arguments / results are recorded on spans. */
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: optionalString.transform((v) => v?.toLowerCase() ?? 'false').pipe(z.enum(['true', 'false'])),
  /**
   * Scale-out (README, Deployment): `off` is one process; `redis` shares live runs between
   * instances through Redis (REDIS_URL) on one PostgreSQL database.
   */
  CLUSTER: z.enum(['off', 'redis']).default('off'),
  /** The Redis server of cluster mode (`redis://[user:password@]host:port[/db]`, or `rediss://` for TLS). */
  REDIS_URL: z
    .string()
    .trim()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be redis://host:port or rediss://host:port')
    .default('redis://127.0.0.1:6379'),
  /** Cluster mode: the start of every Redis key and channel name, so several deployments (or test suites) can share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits, dots, colons, dashes or underscores')
    .default('teamstream:'),
  /** Cluster mode: seconds an instance's hold on its runs lasts unless renewed; a run whose instance is gone ends `Instance lost` within it. */
  RUN_LEASE_S: z.coerce.number().int().min(3).max(600).default(15),
  /** Cluster mode: this instance's name among its peers (unset: host name, pid and a random suffix). */
  INSTANCE_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 letters, digits, dots, dashes or underscores')
      .optional(),
  ),
  /** Label of the default-gallery team that the plain-text chat socket /ws/chat runs. */
  CHAT_DEFAULT_TEAM: z.string().trim().min(1).default('Weather chat'),
  /** Label of the default-gallery team that POST /chat/completions converses with. */
  CHAT_COMPLETIONS_TEAM: z.string().trim().min(1).default('Customer support'),
});

export type Env = z.input<typeof envSchema>;
