/** The command line of `teamstream`, parsed. */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: teamstream run <team.json> --task "<task>" [--input-timeout <seconds>]

Runs an AutoGen Studio team config in the terminal: streamed text as it arrives, tool calls and
hand-offs marked, human input read from standard input. Ctrl-C stops the run.

Options:
  -t, --task <text>            the task for the team (required)
      --input-timeout <secs>   stop the run when a human does not answer in time
  -h, --help                   show this help

Environment:
  OPENAI_API_KEY, OPENAI_BASE_URL   the key (sent only to that base URL) and endpoint for OpenAI
                                    model clients without api_key / base_url
  AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT   the same for Azure OpenAI model clients
  ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL   the same for Anthropic model clients
  EGRESS_ALLOW                      private addresses configs may reach, e.g. 127.0.0.1:11434
  TOOLS_DIR                         a directory of JS modules exporting the tools configs may name
  MCP_SERVERS_FILE                  JSON file of the MCP stdio servers a config may start

Exit codes: 0 complete, 130 stopped (Ctrl-C, input timeout), 2 bad usage, 1 a config that does
not load; a failed run exits with its error kind's code: 69 unavailable (model, tool), 70 internal,
75 too many, 77 unauthorized or forbidden, 1 bad request (README, How a run flows).
`;

export type Command =
  | { kind: 'help' }
  | { kind: 'run'; teamFile: string; task: string; inputTimeoutSeconds: number | undefined }
  | { kind: 'usage-error'; message: string };

export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        task: { type: 'string', short: 't' },
        'input-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { kind: 'help' };
  const [command, teamFile, ...rest] = positionals;
  if (command !== 'run') return { kind: 'usage-error', message: `unknown command "${command}"` };
  if (!teamFile) return { kind: 'usage-error', message: 'missing the team config file' };
  if (rest.length > 0) return { kind: 'usage-error', message: `unexpected argument "${rest[0]}"` };
  if (values.task === undefined || values.task.trim() === '') return { kind: 'usage-error', message: 'missing --task' };
  let inputTimeoutSeconds: number | undefined;
  if (values['input-timeout'] !== undefined) {
    inputTimeoutSeconds = Number(values['input-timeout']);
    if (!Number.isFinite(inputTimeoutSeconds) || inputTimeoutSeconds <= 0) {
      return { kind: 'usage-error', message: '--input-timeout must be a positive number of seconds' };
    }
  }
  return { kind: 'run', teamFile, task: values.task, inputTimeoutSeconds };
}
