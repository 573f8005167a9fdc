/**
 * The MCP stdio servers the operator pins (MCP_SERVERS_FILE), and matching a config against
 * them. A stdio McpWorkbench config starts a process on this server, so it may only pick one of
 * these, by naming its command and arguments exactly as pinned: a command allow-list is not
 * enough (`npx -c …`, `node -e …`, NODE_OPTIONS, PATH, LD_PRELOAD and cwd all run any code).
 *
 * The file is a JSON array:
 *   [{ "name": "files",                          unique, shown in logs and errors
 *      "command": "npx",                          matched exactly
 *      "args": ["-y", "@scope/server@1.2.3"],     a fixed prefix, matched exactly
 *      "allow_extra_args": "/srv/shared(/[\\w-][\\w.-]*)*",  optional: each further argument must match it whole
 *      "env": {"LOG_LEVEL": "warn"},              fixed, set by the operator
 *      "allow_env": ["GITHUB_TOKEN"],             client env keys passed through (never loading keys)
 *      "cwd": "/srv/mcp" }]                       fixed (a config's cwd must equal it or be absent)
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Environment keys that change how a program, its interpreter, its package manager or the
 * dynamic loader start: a client that sets one runs its own code. Never taken from a config.
 * Compared case-insensitively (npm reads `npm_config_*`; Windows ignores case).
 */
const LOADING_ENV =
  /^(PATH|PATHEXT|NODE_.*|NPM_CONFIG_.*|COREPACK_.*|LD_.*|DYLD_.*|PYTHON.*|PIP_.*|UV_.*|VIRTUAL_ENV|CONDA_.*|PERL5?(LIB|OPT)|PERLLIB|RUBY(OPT|LIB)|GEM_.*|BUNDLE_.*|BASH_ENV|ENV|SHELL|SHELLOPTS|BASHOPTS|PS4|IFS|CDPATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GIT_.*|GCONV_PATH|MALLOC_.*|ELECTRON_.*|BUN_.*|DENO_.*|HOME|USERPROFILE|APPDATA|XDG_.*|TMPDIR|TEMP|TMP|COMSPEC|SYSTEMROOT|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|OPENSSL_.*)$/i;

/** Whether an environment key changes how a process loads (see LOADING_ENV); such keys never come from a config. */
export function isLoadingEnvKey(key: string): boolean {
  return LOADING_ENV.test(key);
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** One pinned server, as written in MCP_SERVERS_FILE. */
export const PinnedMcpServerSchema = z
  .strictObject({
    name: z.string().trim().min(1),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    allow_extra_args: z.string().min(1).refine(compiles, 'must be a valid regular expression').optional(),
    env: z.record(z.string(), z.string()).default({}),
    allow_env: z.array(z.string().min(1)).default([]),
    cwd: z.string().min(1).optional(),
  })
  .superRefine((server, ctx) => {
    for (const key of server.allow_env) {
      if (isLoadingEnvKey(key))
        ctx.addIssue({ code: 'custom', path: ['allow_env'], message: `"${key}" changes how programs load; it cannot come from a config` });
      if (Object.hasOwn(server.env, key))
        ctx.addIssue({ code: 'custom', path: ['allow_env'], message: `"${key}" is both fixed in env and allowed from configs` });
    }
  });

export type PinnedMcpServer = z.output<typeof PinnedMcpServerSchema>;

/** The whole file: an array of pinned servers with unique names. */
export const PinnedMcpServersSchema = z.array(PinnedMcpServerSchema).superRefine((servers, ctx) => {
  const seen = new Set<string>();
  servers.forEach((s, i) => {
    if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name "${s.name}"` });
    seen.add(s.name);
  });
});

/**
 * Reads and checks MCP_SERVERS_FILE.
 * @throws Error naming the file and every problem (unreadable, not JSON, bad entries)
 */
export function readPinnedMcpServers(file: string): PinnedMcpServer[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`MCP_SERVERS_FILE ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = PinnedMcpServersSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new Error(`MCP_SERVERS_FILE ${file}: ${issues.join('; ')}`);
}

/** What a stdio config asks for (AGS's StdioServerParams). */
export interface StdioRequest {
  command: string;
  args?: readonly string[] | null;
  env?: Record<string, string> | null;
  cwd?: string | null;
}

/** What is actually started: always the pinned server's command, args prefix, env and cwd. */
export interface PinnedLaunch {
  server: PinnedMcpServer;
  args: string[];
  /** The fixed env plus the client keys `allow_env` lets through (no inherited variables). */
  env: Record<string, string>;
  cwd: string | undefined;
}

const PATH = 'config.server_params';

/** Whether `arg` has a `..` path segment (`..`, `a/../b`, `..\\x`), which no extra argument may carry. */
function hasDotDotSegment(arg: string): boolean {
  return arg.split(/[\\/]/).includes('..');
}

/** Only names reach the client: a pinned server's args or env may hold the operator's secrets. */
function names(servers: readonly PinnedMcpServer[]): string {
  return servers.length > 0 ? servers.map((s) => `"${s.name}"`).join(', ') : 'none';
}

function extrasMatch(server: PinnedMcpServer, args: readonly string[]): string[] | undefined {
  if (args.length < server.args.length || server.args.some((a, i) => args[i] !== a)) return undefined;
  const extras = args.slice(server.args.length);
  if (extras.length === 0) return extras;
  if (!server.allow_extra_args) return undefined;
  const pattern = new RegExp(`^(?:${server.allow_extra_args})$`);
  // A `..` path segment climbs out of whatever directory the pattern meant to allow.
  return extras.every((a) => pattern.test(a) && !hasDotDotSegment(a)) ? extras : undefined;
}

/**
 * Matches a stdio config against the pinned servers: the command equal, the arguments the
 * pinned prefix followed only by extras the pattern allows, every env key allowed, cwd absent
 * or equal. The first pinned server that matches is used.
 * @throws ConfigError at `config.server_params.<key>` saying what did not match; for an env key
 *   that changes loading (NODE_OPTIONS, LD_PRELOAD, PATH, PYTHON…), naming that key
 */
export function matchPinnedServer(request: StdioRequest, servers: readonly PinnedMcpServer[]): PinnedLaunch {
  const args = request.args ?? [];
  const sameCommand = servers.filter((s) => s.command === request.command);
  if (sameCommand.length === 0) {
    throw new ConfigError(
      `${PATH}.command`,
      `MCP stdio command "${request.command}" is not a pinned server (pinned: ${names(servers)}); the operator pins servers in MCP_SERVERS_FILE`,
    );
  }
  let server: PinnedMcpServer | undefined;
  let extras: string[] | undefined;
  for (const candidate of sameCommand) {
    extras = extrasMatch(candidate, args);
    if (extras) {
      server = candidate;
      break;
    }
  }
  if (!server || !extras) {
    throw new ConfigError(
      `${PATH}.args`,
      `the arguments of "${request.command}" match no pinned server (pinned for it: ${names(sameCommand)}); a config must give a pinned server's args exactly, plus only the extra args it allows`,
    );
  }
  const env: Record<string, string> = { ...server.env };
  for (const [key, value] of Object.entries(request.env ?? {})) {
    if (isLoadingEnvKey(key)) {
      throw new ConfigError(`${PATH}.env.${key}`, `"${key}" changes how the server program loads and is never taken from a config`);
    }
    if (server.env[key] === value) continue; // the pinned value, repeated: nothing changes
    if (!server.allow_env.includes(key)) {
      throw new ConfigError(`${PATH}.env.${key}`, `"${key}" is not in allow_env of pinned MCP server "${server.name}"`);
    }
    env[key] = value;
  }
  if (request.cwd != null && request.cwd !== server.cwd) {
    throw new ConfigError(`${PATH}.cwd`, `cwd is fixed by pinned MCP server "${server.name}" and cannot be changed by a config`);
  }
  return { server, args: [...server.args, ...extras], env, cwd: server.cwd };
}
