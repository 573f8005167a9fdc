/**
 * `teamstream run`: load a team config, drive it with the terminal as its IOStream, map the
 * outcome to an exit code.
 */
import { readFile } from 'node:fs/promises';
import { describeError, ERROR_TRANSPORT } from '../common/errors.js';
import { toolsConfig } from '../config/config.js';
import { envSchema } from '../config/config.schema.js';
import {
  ConfigError,
  IOConsole,
  credentialsFromEnv,
  driveTeam,
  loadTeam,
  parseEgressAllow,
  pythonSandboxFor,
  readPinnedMcpServers,
  serverEgressPolicy,
  type DriveLimits,
  standardToolRegistry,
  type LoadContext,
  type Team,
} from '../engine/index.js';
import { demoTools } from '../gallery/demo-tools.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, stopped: 130 } as const;

export interface RunCommandOptions {
  teamFile: string;
  task: string;
  inputTimeoutSeconds?: number;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Registers the Ctrl-C handler; returns the function that removes it. */
  onInterrupt: (handler: () => void) => () => void;
}

/**
 * Loads the team and drives it with the run driver, the terminal as its IOStream. Returns the
 * exit code: 0 complete, 130 stopped (Ctrl-C, input timeout), else the error kind's CLI code
 * (ERROR_TRANSPORT; 1 for a config that does not load).
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const fail = (message: string, code: number = EXIT.failed): number => {
    options.stderr.write(`teamstream: ${message}\n`);
    return code;
  };
  let team: Team;
  let limits: DriveLimits;
  let teamLabel: string | undefined;
  try {
    limits = runLimits(options.env, options.inputTimeoutSeconds);
    const component = await readTeamFile(options.teamFile);
    const label = typeof component === 'object' && component !== null ? (component as { label?: unknown }).label : undefined;
    teamLabel = typeof label === 'string' && label !== '' ? label : undefined;
    team = loadTeam(component, await loadContext(options.env));
  } catch (error) {
    if (error instanceof ConfigError) return fail(`invalid team config ${options.teamFile}: ${error.message}`);
    return fail((error as Error).message);
  }

  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (): void => {
    interrupts += 1;
    // A second Ctrl-C means the clean stop is taking too long.
    if (interrupts > 1) process.exit(EXIT.stopped);
    controller.abort('Interrupted (Ctrl-C)');
  };
  const removeInterrupt = options.onInterrupt(interrupt);
  const console = new IOConsole({ input: options.stdin, output: options.stdout, onInterrupt: interrupt });
  try {
    // The run span (exported only when main.ts started tracing) says it is a CLI run.
    const telemetry = { frontEnd: 'cli', ...(teamLabel ? { teamLabel } : {}) };
    for await (const event of driveTeam(team, options.task, { signal: controller.signal, io: console, limits, telemetry })) {
      if (event.type === 'message') {
        console.send(event.message);
        continue;
      }
      const { outcome } = event;
      switch (outcome.status) {
        case 'complete':
          console.send({ messages: outcome.messages, stop_reason: outcome.stopReason });
          return EXIT.ok;
        case 'stopped':
          console.print(`[stopped] ${outcome.stopReason}`);
          return EXIT.stopped;
        case 'error':
          return fail(`run failed: ${outcome.stopReason}`, ERROR_TRANSPORT[describeError(outcome.error).kind].cliExit);
      }
    }
    return fail('run failed: the run driver ended without an outcome', EXIT.failed);
  } finally {
    removeInterrupt();
    console.close();
    await team.close().catch(() => undefined);
  }
}

async function readTeamFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The same context the server builds: the same tools (built-ins, the demo gallery's, TOOLS_DIR,
 * the web tools, then Python source in the sandbox), keys bound to their endpoints, the egress
 * policy with EGRESS_ALLOW, the pinned MCP servers of MCP_SERVERS_FILE, the web surfer's browser
 * and search page (CHROMIUM_PATH, WEB_SURFER_SEARCH_URL).
 * @throws Error for a bad EGRESS_ALLOW, MCP_SERVERS_FILE or tools setting, or a leftover MCP_STDIO_ALLOW
 */
async function loadContext(env: NodeJS.ProcessEnv): Promise<LoadContext> {
  if (env.MCP_STDIO_ALLOW?.trim()) {
    throw new Error('MCP_STDIO_ALLOW was removed (an allowed npx/node ran any code); pin servers in a JSON file named by MCP_SERVERS_FILE');
  }
  const credentials = credentialsFromEnv(env);
  const settings = envSchema
    .pick({
      PYTHON_TOOLS: true,
      PYTHON_POOL_SIZE: true,
      PYTHON_MAX_PROCESSES: true,
      PYTHON_MAX_PROCESSES_PER_USER: true,
      PYTHON_TIMEOUT_S: true,
      PYTHON_MEMORY_MB: true,
      TOOL_MAX_OUTPUT_CHARS: true,
      GOOGLE_API_KEY: true,
      GOOGLE_CSE_ID: true,
      IMAGES_DIR: true,
      CHROMIUM_PATH: true,
      WEB_SURFER_SEARCH_URL: true,
    })
    .safeParse(env);
  if (!settings.success)
    throw new Error(`invalid tools setting: ${settings.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const t = toolsConfig(settings.data);
  const tools = await standardToolRegistry({
    extra: demoTools(),
    toolsDir: env.TOOLS_DIR || undefined,
    web: {
      maxOutputChars: t.maxOutputChars,
      google: { apiKey: t.googleApiKey, cseId: t.googleCseId },
      openai: credentials.openai,
      imagesDir: t.imagesDir,
    },
  });
  const python = pythonSandboxFor({
    mode: t.python,
    poolSize: t.pythonPoolSize,
    maxProcesses: t.pythonMaxProcesses,
    maxProcessesPerUser: t.pythonMaxProcessesPerUser,
    timeoutMs: t.pythonTimeoutMs,
    memoryMb: t.pythonMemoryMb,
    maxOutputChars: t.maxOutputChars,
  });
  return {
    tools,
    credentials,
    egress: serverEgressPolicy(credentials, {
      allow: parseEgressAllow(env.EGRESS_ALLOW),
      maxResponseBytes: envSchema.shape.EGRESS_MAX_RESPONSE_BYTES.parse(env.EGRESS_MAX_RESPONSE_BYTES),
    }),
    mcpServers: env.MCP_SERVERS_FILE?.trim() ? readPinnedMcpServers(env.MCP_SERVERS_FILE.trim()) : [],
    webSurfer: t.webSurfer,
    ...(python ? { python } : {}),
  };
}

/**
 * The run caps, as the server sets them (RUN_MAX_TURNS, RUN_MAX_SECONDS, RUN_INPUT_TIMEOUT_S with
 * their defaults); `--input-timeout` overrides the input timeout.
 * @throws Error naming the bad key when one of them is not valid
 */
function runLimits(env: NodeJS.ProcessEnv, inputTimeoutSeconds: number | undefined): DriveLimits {
  const parsed = envSchema.pick({ RUN_MAX_TURNS: true, RUN_MAX_SECONDS: true, RUN_INPUT_TIMEOUT_S: true }).safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const e = parsed.data;
  return { maxTurns: e.RUN_MAX_TURNS, maxSeconds: e.RUN_MAX_SECONDS, inputTimeoutS: inputTimeoutSeconds ?? e.RUN_INPUT_TIMEOUT_S };
}
