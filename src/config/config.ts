import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { readPinnedMcpServers, type EgressRule, type PinnedMcpServer } from '../engine/index.js';
import { envSchema, type LogLevelName } from './config.schema.js';
import { redactUrl } from '../common/secrets.js';
import { parseSecretsKey } from '../common/secrets-crypto.js';

/** Where the data lives: a SQLite file, or a PostgreSQL URL (with an optional schema). */
export type DatabaseConfig =
  { kind: 'sqlite'; path: string; logging: boolean } | { kind: 'postgres'; url: string; schema: string | undefined; logging: boolean };

/**
 * Tunables and limits of running teams and streaming their runs (see README, Configuration).
 * Declared here, with the rest of the config, so that config/ imports no feature.
 */
export interface RunsConfig {
  /** Unwritten chunks are flushed after this many milliseconds… */
  chunkFlushMs: number;
  /** …or once this many are waiting. */
  chunkFlushMax: number;
  /** Delete a streamed turn's chunk frames from the log once its final message is stored. */
  compactChunks: boolean;
  /** Frames one run may emit, its terminal frame included; past it the run ends `stopped`. */
  maxFrames: number;
  /**
   * What closing the last viewer does to a live run whose `start` did not say (protocol §2.1):
   * `grace` (stop it after `detachGraceS` seconds unless a viewer comes back), `detach`, `stop`.
   */
  onDisconnect: 'grace' | 'detach' | 'stop';
  detachGraceS: number;
  /** Default seconds a human has to answer an input request. */
  inputTimeoutS: number;
  /** Agent turns, and wall-clock seconds, one run may take before it ends `stopped`. */
  maxTurns: number;
  maxSeconds: number;
  /** Live runs in this process, in total and per user; a start over either is refused. */
  maxLiveRuns: number;
  maxLiveRunsPerUser: number;
  /** Largest client frame any socket may send, in bytes: the transport's limit (1009 past it). */
  maxFrameBytes: number;
  /** Largest task text (characters), and largest decoded file (bytes), in a `start` frame. */
  maxTaskChars: number;
  maxFileBytes: number;
  /** WebSocket ping interval (ms); a socket that misses a whole interval is dropped. 0 disables. */
  pingIntervalMs: number;
  /** A viewer's send buffer (bytes) past which its chunks are merged, and past which it is closed 1013. */
  viewerSoftLimitBytes: number;
  viewerHardLimitBytes: number;
  /** Seconds a run's writes are retried while the database does not answer (DB_RETRY_S); then the run ends `error`. */
  dbRetryS: number;
}

/** Python from configs, and the web tools (README, Configuration). */
export interface ToolsConfig {
  /** `sandbox`: run Python in the WebAssembly sandbox; `off`: a FunctionTool must name a registered tool. */
  python: 'sandbox' | 'off';
  pythonPoolSize: number;
  /** PYTHON_MAX_PROCESSES, PYTHON_MAX_PROCESSES_PER_USER. */
  pythonMaxProcesses: number;
  pythonMaxProcessesPerUser: number;
  pythonTimeoutMs: number;
  pythonMemoryMb: number;
  maxOutputChars: number;
  googleApiKey: string | undefined;
  googleCseId: string | undefined;
  imagesDir: string;
  /** The web surfer's browser (CHROMIUM_PATH) and web_search page (WEB_SURFER_SEARCH_URL, with `{query}`). */
  webSurfer: { chromiumPath: string; searchUrl: string };
}

/** The typed, nested configuration every module injects through {@link APP_CONFIG}. */
export interface AppConfig {
  /** `bodyLimit` and `rateLimitPerMinute` bound what one REST client can make the server do. */
  http: { host: string; port: number; bodyLimit: string; rateLimitPerMinute: number };
  database: DatabaseConfig;
  /** LOG_LEVEL, and LOG_FORMAT (`auto`: pretty on a terminal, JSON otherwise). */
  log: { level: LogLevelName; format: 'auto' | 'json' | 'pretty' };
  auth: { type: 'none' | 'jwt'; jwtSecret: string | undefined };
  /** SECRETS_KEY (absent: secrets stored in plain text) and SECRETS_KEY_PREVIOUS, decoded (common/secrets-crypto.ts). */
  secrets: SecretsConfig;
  /** The server's model keys; each is sent only to its own endpoint (README, Security). */
  openai: { apiKey: string | undefined; baseUrl: string | undefined };
  azure: { apiKey: string | undefined; endpoint: string | undefined };
  anthropic: { apiKey: string | undefined; baseUrl: string | undefined };
  /**
   * `egressAllow`: EGRESS_ALLOW's exceptions to the egress policy; `egressMaxResponseBytes`: the
   * most bytes of one outbound response body (EGRESS_MAX_RESPONSE_BYTES); `mcpServers`: the
   * pinned MCP stdio servers read from MCP_SERVERS_FILE at boot (empty when unset).
   */
  engine: { toolsDir: string | undefined; egressAllow: EgressRule[]; egressMaxResponseBytes: number; mcpServers: PinnedMcpServer[] };
  /** Tools from configs: the Python sandbox (README, "Python tools: the sandbox") and the web tools' settings. */
  tools: ToolsConfig;
  /** Running teams and streaming their runs (protocol Part 2). */
  runs: RunsConfig;
  /** What the service accepts at its edges (README, Security): browser origins, JSON depth, open sockets. */
  edge: { corsOrigins: string[]; allowedHosts: string[]; maxJsonDepth: number; maxSockets: number; maxSocketsPerUser: number };
  /** The seeds' simpler clients (protocol §2.8): which default-gallery team each one talks to, by label. */
  chat: { socketTeam: string; completionsTeam: string };
  /** AGS's MCP playground (/api/mcp/ws/*): sessions per user (MCP_MAX_SESSIONS_PER_USER), seconds a session waits for its socket (MCP_CONNECT_TTL_S). */
  mcp: { maxSessionsPerUser: number; connectTtlS: number };
  /** Operations (README, Operating it): shutdown drain bound (s), Prometheus metrics. */
  ops: { shutdownGraceS: number; metrics: boolean; metricsPort: number | undefined; modelPricesFile: string | undefined };
  cluster: ClusterConfig;
}

/**
 * Scale-out (README, Deployment). `off`: this process is the whole service. `redis`: instances
 * share one PostgreSQL database (the durable log, and which instance holds which run) and one
 * Redis server (frames to viewers on other instances, stop and input between instances, limits
 * across instances).
 */
export type ClusterConfig =
  | { mode: 'off' }
  | {
      mode: 'redis';
      redisUrl: string;
      /** REDIS_KEY_PREFIX: the start of every key and channel this deployment uses. */
      keyPrefix: string;
      /** RUN_LEASE_S: seconds an instance's hold on its runs lasts unless renewed. */
      leaseS: number;
      /** This instance's name among its peers (INSTANCE_ID, or host-pid-random). */
      instanceId: string;
    };

/** Injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Raised when the environment is invalid; the message lists every bad key, one per line. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * One line per problem, naming the setting. A number that does not parse says what was given
 * (zod's own words for it are "expected number, received NaN").
 */
function describeIssues(issues: z.core.$ZodIssue[], env: NodeJS.ProcessEnv): string[] {
  return issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'invalid_type' && issue.expected === 'number') return `${key}: expected a number, got ${JSON.stringify(env[key])}`;
    return `${key}: ${issue.message}`;
  });
}

/**
 * Parses the environment once into an {@link AppConfig}. Collects every bad key into one
 * {@link ConfigValidationError} rather than stopping at the first.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigValidationError(describeIssues(parsed.error.issues, env));
  const e = parsed.data;

  const problems: string[] = [];
  if (e.AUTH_TYPE === 'jwt') {
    if (!e.JWT_SECRET) problems.push('JWT_SECRET: required when AUTH_TYPE=jwt');
    else if (e.JWT_SECRET.length < 32) problems.push('JWT_SECRET: must be at least 32 characters for HS256 (RFC 7518 §3.2)');
  }
  if (e.DATABASE_SCHEMA && e.DATABASE_URL.startsWith('sqlite:')) {
    problems.push('DATABASE_SCHEMA: only meaningful with a postgres:// DATABASE_URL');
  }
  if (e.WS_VIEWER_SOFT_LIMIT_BYTES >= e.WS_VIEWER_HARD_LIMIT_BYTES) {
    problems.push('WS_VIEWER_SOFT_LIMIT_BYTES: must be below WS_VIEWER_HARD_LIMIT_BYTES');
  }
  if (e.AZURE_OPENAI_API_KEY && !e.AZURE_OPENAI_ENDPOINT) {
    problems.push('AZURE_OPENAI_API_KEY: requires AZURE_OPENAI_ENDPOINT (the key is only ever sent to that endpoint)');
  }
  // Removed, and refused rather than ignored, so nobody who relied on it is silently downgraded.
  if (env.MCP_STDIO_ALLOW?.trim()) {
    problems.push(
      'MCP_STDIO_ALLOW: removed (an allowed npx/node ran any code); pin servers in a JSON file named by MCP_SERVERS_FILE (see README, Security)',
    );
  }
  let mcpServers: PinnedMcpServer[] = [];
  if (e.MCP_SERVERS_FILE) {
    try {
      mcpServers = readPinnedMcpServers(resolve(e.MCP_SERVERS_FILE));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (e.CLUSTER === 'redis' && e.DATABASE_URL.startsWith('sqlite:')) {
    problems.push('CLUSTER: redis needs a postgres:// DATABASE_URL that every instance shares (a SQLite file belongs to one machine)');
  }
  const secrets = secretsConfig(e.SECRETS_KEY, e.SECRETS_KEY_PREVIOUS, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);

  return {
    http: { host: e.HOST, port: e.PORT, bodyLimit: e.HTTP_BODY_LIMIT, rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE },
    database: e.DATABASE_URL.startsWith('sqlite:')
      ? { kind: 'sqlite', path: sqlitePath(e.DATABASE_URL), logging: e.DATABASE_LOGGING }
      : { kind: 'postgres', url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, logging: e.DATABASE_LOGGING },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    auth: { type: e.AUTH_TYPE, jwtSecret: e.JWT_SECRET },
    secrets,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL },
    azure: { apiKey: e.AZURE_OPENAI_API_KEY, endpoint: e.AZURE_OPENAI_ENDPOINT },
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL },
    engine: {
      toolsDir: e.TOOLS_DIR ? resolve(e.TOOLS_DIR) : undefined,
      egressAllow: e.EGRESS_ALLOW,
      egressMaxResponseBytes: e.EGRESS_MAX_RESPONSE_BYTES,
      mcpServers,
    },
    tools: toolsConfig(e),
    runs: {
      chunkFlushMs: e.RUN_CHUNK_FLUSH_MS,
      chunkFlushMax: e.RUN_CHUNK_FLUSH_MAX,
      compactChunks: e.RUN_COMPACT_CHUNKS,
      maxFrames: e.RUN_MAX_FRAMES,
      onDisconnect: e.RUN_ON_DISCONNECT,
      detachGraceS: e.RUN_DETACH_GRACE_S,
      inputTimeoutS: e.RUN_INPUT_TIMEOUT_S,
      maxTurns: e.RUN_MAX_TURNS,
      maxSeconds: e.RUN_MAX_SECONDS,
      maxLiveRuns: e.MAX_LIVE_RUNS,
      maxLiveRunsPerUser: e.MAX_LIVE_RUNS_PER_USER,
      maxFrameBytes: e.WS_MAX_FRAME_BYTES,
      maxTaskChars: e.MAX_TASK_CHARS,
      maxFileBytes: e.MAX_FILE_BYTES,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      viewerSoftLimitBytes: e.WS_VIEWER_SOFT_LIMIT_BYTES,
      viewerHardLimitBytes: e.WS_VIEWER_HARD_LIMIT_BYTES,
      dbRetryS: e.DB_RETRY_S,
    },
    edge: {
      corsOrigins: e.CORS_ORIGINS,
      allowedHosts: e.ALLOWED_HOSTS,
      maxJsonDepth: e.MAX_JSON_DEPTH,
      maxSockets: e.WS_MAX_CONNECTIONS,
      maxSocketsPerUser: e.WS_MAX_CONNECTIONS_PER_USER,
    },
    chat: { socketTeam: e.CHAT_DEFAULT_TEAM, completionsTeam: e.CHAT_COMPLETIONS_TEAM },
    mcp: { maxSessionsPerUser: e.MCP_MAX_SESSIONS_PER_USER, connectTtlS: e.MCP_CONNECT_TTL_S },
    ops: {
      shutdownGraceS: e.SHUTDOWN_GRACE_S,
      metrics: e.METRICS === 'on',
      metricsPort: e.METRICS_PORT,
      modelPricesFile: e.MODEL_PRICES_FILE,
    },
    cluster:
      e.CLUSTER === 'redis'
        ? {
            mode: 'redis',
            redisUrl: e.REDIS_URL,
            keyPrefix: e.REDIS_KEY_PREFIX,
            leaseS: e.RUN_LEASE_S,
            instanceId: e.INSTANCE_ID ?? defaultInstanceId(),
          }
        : { mode: 'off' },
  };
}

/** `<host>-<pid>-<4 random hex>`: unique among peers even when two start on one host with one pid (containers). */
function defaultInstanceId(): string {
  return `${hostname()
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 60)}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

/** The tools settings of a parsed environment (the CLI reads them the same way). */
export function toolsConfig(
  e: Pick<
    z.output<typeof envSchema>,
    | 'PYTHON_TOOLS'
    | 'PYTHON_POOL_SIZE'
    | 'PYTHON_MAX_PROCESSES'
    | 'PYTHON_MAX_PROCESSES_PER_USER'
    | 'PYTHON_TIMEOUT_S'
    | 'PYTHON_MEMORY_MB'
    | 'TOOL_MAX_OUTPUT_CHARS'
    | 'GOOGLE_API_KEY'
    | 'GOOGLE_CSE_ID'
    | 'IMAGES_DIR'
    | 'CHROMIUM_PATH'
    | 'WEB_SURFER_SEARCH_URL'
  >,
): ToolsConfig {
  return {
    python: e.PYTHON_TOOLS,
    pythonPoolSize: e.PYTHON_POOL_SIZE,
    pythonMaxProcesses: e.PYTHON_MAX_PROCESSES,
    pythonMaxProcessesPerUser: e.PYTHON_MAX_PROCESSES_PER_USER,
    pythonTimeoutMs: e.PYTHON_TIMEOUT_S * 1000,
    pythonMemoryMb: e.PYTHON_MEMORY_MB,
    maxOutputChars: e.TOOL_MAX_OUTPUT_CHARS,
    googleApiKey: e.GOOGLE_API_KEY,
    googleCseId: e.GOOGLE_CSE_ID,
    imagesDir: resolve(e.IMAGES_DIR),
    webSurfer: { chromiumPath: e.CHROMIUM_PATH, searchUrl: e.WEB_SURFER_SEARCH_URL },
  };
}

/** `sqlite:./data/x.db`, `sqlite:///abs/x.db` or `sqlite::memory:` → a path better-sqlite3 opens. */
function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return rest;
  return resolve(rest.startsWith('//') ? rest.slice(2) : rest);
}

/** Creates the directory of a SQLite file so a fresh clone starts without set-up. */
export function ensureSqliteDirectory(db: DatabaseConfig): void {
  if (db.kind === 'sqlite' && db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
}

/** A one-line description of where the data lives, for the start-up log (no password). */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.kind === 'sqlite') return `sqlite ${db.path}`;
  return `postgres ${redactUrl(db.url)}${db.schema ? ` (schema ${db.schema})` : ''}`;
}

/** REDIS_URL (password masked) and REDIS_KEY_PREFIX, for the start-up line. */
export function describeRedis(cluster: { redisUrl: string; keyPrefix: string }): string {
  return `${redactUrl(cluster.redisUrl)} (key prefix ${cluster.keyPrefix})`;
}

/** SECRETS_KEY and SECRETS_KEY_PREVIOUS decoded; their format problems are added to `problems`. */
export interface SecretsConfig {
  key: Buffer | undefined;
  previousKeys: Buffer[];
}

function secretsConfig(key: string | undefined, previous: string | undefined, problems: string[]): SecretsConfig {
  const decode = (value: string, name: string): Buffer[] => {
    try {
      return [parseSecretsKey(value, name)];
    } catch (error) {
      problems.push((error as Error).message);
      return [];
    }
  };
  const previousKeys = (previous ?? '')
    .split(',')
    .filter((v) => v.trim() !== '')
    .flatMap((v) => decode(v, 'SECRETS_KEY_PREVIOUS'));
  if (previousKeys.length > 0 && !key) problems.push('SECRETS_KEY_PREVIOUS: only meaningful with SECRETS_KEY (the key new values are written with)');
  return { key: key ? decode(key, 'SECRETS_KEY')[0] : undefined, previousKeys };
}
