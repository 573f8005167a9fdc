/**
 * CodeExecutorAgent without a model client (AgentChat's default, "a computer terminal"): on its
 * turn it takes the markdown code blocks (```python / ```sh, its `supported_languages`) from the
 * TextMessages it received (only from `sources` when given) and runs them one after another in
 * the Python sandbox, as AgentChat's LocalCommandLineCodeExecutor runs them: output is each
 * block's stderr then stdout, the first failing block stops the rest. Its answer is AgentChat's:
 * the output; "The script ran but produced no output…" for none; "The script ran, then exited
 * with an error…" for a non-zero exit code; NO_CODE_BLOCKS_FOUND_MESSAGE when there is no block.
 *
 * Whatever executor the config names, the code runs ONLY in the sandbox (so `sh` blocks cannot
 * run: they end the execution with exit code 1 and say so); the executor's config is kept for
 * round-trips, and its `timeout` (s) may shorten the sandbox's limit, never lengthen it.
 */
import { ConfigError } from '../errors.js';
import { createMessage, type ChatMessage } from '../messages.js';
import type { PythonSandbox } from '../sandbox/python-sandbox.js';
import { SandboxFailure } from '../sandbox/sandbox-process.js';
import { RunStateError } from '../errors.js';
import type { AgentState } from '../state.js';
import { dumpComponent } from '../components/dump.js';
import { UnboundedChatCompletionContext, type ChatCompletionContext } from './model-context.js';
import { AGENT_NAME, type AgentContext, type AgentStreamItem, type ChatAgent } from './chat-agent.js';

export const CODE_EXECUTOR_TERMINAL_DESCRIPTION =
  'A computer terminal that performs no other action than running Python scripts (provided to it quoted in ```python code blocks), or sh shell scripts (provided to it quoted in ```sh code blocks).';
export const CODE_EXECUTOR_SYSTEM_MESSAGE =
  'You are a Code Execution Agent. Your role is to generate and execute Python code and shell scripts based on user instructions, ensuring correctness, efficiency, and minimal errors. Handle edge cases gracefully. Python code should be provided in ```python code blocks, and sh shell scripts should be provided in ```sh code blocks for execution.';
export const NO_CODE_BLOCKS_FOUND_MESSAGE =
  'No code blocks found in the thread. Please provide at least one markdown-encoded code block to execute (i.e., quoting code in ```python or ```sh code blocks).';
export const DEFAULT_SUPPORTED_LANGUAGES = ['python', 'sh'];

/** AgentChat's PYTHON_VARIANTS: these languages run as Python. */
const PYTHON_VARIANTS = new Set(['python', 'py']);

export interface CodeBlock {
  code: string;
  language: string;
}

export interface CodeExecutorAgentOptions {
  name: string;
  sandbox: PythonSandbox;
  /** The executor's ComponentModel as given (kept for round-trips; its `config.timeout` in s). */
  codeExecutor: Record<string, unknown>;
  description?: string | null;
  sources?: readonly string[] | null;
  systemMessage?: string | null;
  supportedLanguages?: readonly string[] | null;
  /** Kept for round-trips only: without a model client nothing is sent to a model. */
  modelContext?: ChatCompletionContext;
}

/** The markdown code blocks in a text, in AgentChat's way (a language tag from the list, then a newline). */
export function extractCodeBlocks(text: string, languages: readonly string[]): CodeBlock[] {
  const alternatives = languages.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const pattern = new RegExp('```(?:\\s*(' + alternatives + '))\\n([\\s\\S]*?)```', 'gi');
  return [...text.matchAll(pattern)].map((m) => ({ language: (m[1] ?? '').trim(), code: m[2] ?? '' }));
}

export class CodeExecutorAgent implements ChatAgent {
  readonly provider = 'autogen_agentchat.agents.CodeExecutorAgent';
  readonly componentType = 'agent' as const;
  readonly name: string;
  readonly description: string;
  private readonly languages: readonly string[];
  private readonly timeoutMs: number | undefined;

  constructor(private readonly options: CodeExecutorAgentOptions) {
    if (!AGENT_NAME.test(options.name))
      throw new ConfigError('config.name', `agent name "${options.name}" must be an identifier (letters, digits, _)`);
    this.name = options.name;
    this.description = options.description ?? CODE_EXECUTOR_TERMINAL_DESCRIPTION;
    this.languages = options.supportedLanguages ?? DEFAULT_SUPPORTED_LANGUAGES;
    const timeout = (options.codeExecutor.config as Record<string, unknown> | undefined)?.timeout;
    this.timeoutMs = typeof timeout === 'number' && timeout > 0 ? timeout * 1000 : undefined;
  }

  async *onMessagesStream(newMessages: ChatMessage[], ctx: AgentContext): AsyncIterable<AgentStreamItem> {
    const sources = this.options.sources;
    const blocks = newMessages
      .filter((m) => m.type === 'TextMessage' && (!sources || sources.includes(m.source)))
      .flatMap((m) => extractCodeBlocks(m.content as string, this.languages));
    const content = blocks.length === 0 ? NO_CODE_BLOCKS_FOUND_MESSAGE : describeResult(await this.execute(blocks, ctx.signal));
    yield { type: 'Response', chat_message: createMessage('TextMessage', this.name, { content }), inner_messages: [] };
  }

  /** Runs the blocks in order as LocalCommandLineCodeExecutor does; returns the exit code and the output. */
  private async execute(blocks: readonly CodeBlock[], signal: AbortSignal): Promise<{ exitCode: number; output: string }> {
    let output = '';
    let exitCode = 0;
    for (const block of blocks) {
      const language = block.language.toLowerCase();
      if (!PYTHON_VARIANTS.has(language)) {
        return { exitCode: 1, output: `${output}\n${language} code cannot run here: code runs only in the Python sandbox` };
      }
      try {
        const result = await this.options.sandbox.runCode(block.code, { signal, ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}) });
        output += result.output;
        exitCode = result.exitCode;
      } catch (error) {
        if (signal.aborted) throw error;
        // AgentChat's executor reports a timeout as "\nTimeout" with exit code 124.
        if (error instanceof SandboxFailure && error.kind === 'timeout') return { exitCode: 124, output: `${output}\nTimeout` };
        throw error;
      }
      if (exitCode !== 0) break;
    }
    return { exitCode, output };
  }

  async reset(): Promise<void> {}

  /** AgentChat: "no mutable state". */
  async saveState(): Promise<AgentState> {
    return { type: 'CodeExecutorAgentState', version: 1 };
  }

  async loadState(state: AgentState): Promise<void> {
    if (state.type !== 'CodeExecutorAgentState') throw new RunStateError(`${this.name} is a CodeExecutorAgent and cannot load a ${state.type}`);
  }

  async close(): Promise<void> {}

  toConfig(): Record<string, unknown> {
    const o = this.options;
    return {
      name: this.name,
      code_executor: structuredClone(o.codeExecutor),
      model_client: null,
      description: this.description,
      sources: o.sources ? [...o.sources] : null,
      system_message: o.systemMessage === undefined ? CODE_EXECUTOR_SYSTEM_MESSAGE : o.systemMessage,
      model_client_stream: false,
      model_context: dumpComponent(o.modelContext ?? new UnboundedChatCompletionContext()),
      supported_languages: [...this.languages],
    };
  }
}

/** AgentChat's wording of a code result for the team. */
function describeResult(result: { exitCode: number; output: string }): string {
  if (result.output.trim() === '') {
    return `The script ran but produced no output to console. The POSIX exit code was: ${result.exitCode}. If you were expecting output, consider revising the script to ensure content is printed to stdout.`;
  }
  if (result.exitCode !== 0)
    return `The script ran, then exited with an error (POSIX exit code: ${result.exitCode})\nIts output was:\n${result.output}`;
  return result.output;
}
