/**
 * `teamstream run`: load a team config, run it through IOConsole, map the outcome to an exit code.
 */
import { readFile } from 'node:fs/promises';
import {
  CancelledError,
  ConfigError,
  IOConsole,
  ToolRegistry,
  builtinTools,
  cancelledFrom,
  credentialsFromEnv,
  loadTeam,
  loadToolsDir,
  parseEgressAllow,
  readPinnedMcpServers,
  serverEgressPolicy,
  type InputOptions,
  type IOStream,
  type LoadContext,
  type Team,
} from '../engine/index.js';

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

export async function runCommand(options: RunCommandOptions): Promise<number> {
  const fail = (message: string): number => {
    options.stderr.write(`teamstream: ${message}\n`);
    return EXIT.failed;
  };
  let team: Team;
  try {
    team = loadTeam(await readTeamFile(options.teamFile), await loadContext(options.env));
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
  const io = withInputTimeout(console, options.inputTimeoutSeconds, controller);
  try {
    for await (const item of team.runStream(options.task, { signal: controller.signal, io })) io.send(item);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CancelledError) {
      console.print(`[stopped] ${error.reason}`);
      return EXIT.stopped;
    }
    return fail(`run failed: ${(error as Error).message}`);
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
 * The same context the server builds: keys bound to their endpoints, the egress policy with
 * EGRESS_ALLOW, the pinned MCP servers of MCP_SERVERS_FILE.
 * @throws Error for a bad EGRESS_ALLOW or MCP_SERVERS_FILE, or a leftover MCP_STDIO_ALLOW
 */
async function loadContext(env: NodeJS.ProcessEnv): Promise<LoadContext> {
  if (env.MCP_STDIO_ALLOW?.trim()) {
    throw new Error('MCP_STDIO_ALLOW was removed (an allowed npx/node ran any code); pin servers in a JSON file named by MCP_SERVERS_FILE');
  }
  const tools = new ToolRegistry(builtinTools());
  if (env.TOOLS_DIR) for (const t of await loadToolsDir(env.TOOLS_DIR)) tools.register(t);
  const credentials = credentialsFromEnv(env);
  return {
    tools,
    credentials,
    egress: serverEgressPolicy(credentials, { allow: parseEgressAllow(env.EGRESS_ALLOW) }),
    mcpServers: env.MCP_SERVERS_FILE?.trim() ? readPinnedMcpServers(env.MCP_SERVERS_FILE.trim()) : [],
  };
}

/** Stops the run (reason `Input timeout after <n> seconds`, as the server says) when nobody answers in time. */
function withInputTimeout(inner: IOStream, seconds: number | undefined, controller: AbortController): IOStream {
  if (seconds === undefined) return inner;
  return {
    print: (...objects) => inner.print(...objects),
    send: (event) => inner.send(event),
    async input(prompt: string, options: InputOptions = {}): Promise<string> {
      const timer = setTimeout(() => controller.abort(`Input timeout after ${seconds} seconds`), seconds * 1000);
      try {
        return await inner.input(prompt, options);
      } catch (error) {
        if (controller.signal.aborted) throw cancelledFrom(controller.signal);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
