/**
 * CodeExecutorAgent without a model client, in the Python sandbox. Expected values are AgentChat's
 * CodeExecutorAgent (its code-block pattern, `sources`, NO_CODE_BLOCKS_FOUND_MESSAGE, its wording
 * of empty output and of a failing script) over LocalCommandLineCodeExecutor's execution of the
 * blocks (in order, stderr then stdout, stopping at the first failure).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent, loadTeam } from '../components/loader.js';
import type { LoadContext } from '../components/registry-types.js';
import { PythonSandbox } from '../sandbox/python-sandbox.js';
import { isTaskResult } from '../teams/team.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { assistant, component, roundRobin, unboundedContext } from '../../../test/support/engine/catalog-configs.js';
import {
  CODE_EXECUTOR_SYSTEM_MESSAGE,
  CODE_EXECUTOR_TERMINAL_DESCRIPTION,
  extractCodeBlocks,
  NO_CODE_BLOCKS_FOUND_MESSAGE,
} from './code-executor-agent.js';
import type { TaskResult } from '../messages.js';

const SLOW = 120_000;
const python = new PythonSandbox({ poolSize: 1, timeoutMs: 20_000, memoryMb: 192, maxOutputChars: 5_000, startTimeoutMs: SLOW });
afterAll(() => python.close());
const ctx = (sandbox: PythonSandbox | null = python): LoadContext => ({
  tools: new ToolRegistry(),
  credentials: {},
  ...(sandbox ? { python: sandbox } : {}),
});

/** As AgentChat dumps a CodeExecutorAgent over AGS's gallery executor. */
function executorAgent(extra: Record<string, unknown> = {}) {
  return component('autogen_agentchat.agents.CodeExecutorAgent', 'agent', {
    name: 'executor',
    code_executor: component('autogen_ext.code_executors.local.LocalCommandLineCodeExecutor', 'code_executor', {
      timeout: 60,
      work_dir: '.coding',
      functions_module: 'functions',
      cleanup_temp_files: true,
    }),
    model_client: null,
    description: CODE_EXECUTOR_TERMINAL_DESCRIPTION,
    sources: null,
    system_message: CODE_EXECUTOR_SYSTEM_MESSAGE,
    model_client_stream: false,
    model_context: unboundedContext(),
    supported_languages: ['python', 'sh'],
    ...extra,
  });
}

async function runWith(coderSays: string, extra: Record<string, unknown> = {}): Promise<TaskResult> {
  const team = loadTeam(roundRobin([assistant('coder', [coderSays]), executorAgent(extra)], { max_turns: 2 }), ctx());
  for await (const item of team.runStream('Write code.')) if (isTaskResult(item)) return item;
  throw new Error('no result');
}

const last = (result: TaskResult) => (result.messages.at(-1) as { content: string; source: string }).content;

describe('CodeExecutorAgent (AgentChat, no model client)', () => {
  it('finds code blocks as AgentChat does: a known language tag, then a newline', () => {
    const text = 'Run this:\n```python\nprint(1)\n```\nand\n```sh\necho hi\n```\nnot ```js\nx\n``` nor ```\nbare\n```';
    expect(extractCodeBlocks(text, ['python', 'sh'])).toEqual([
      { language: 'python', code: 'print(1)\n' },
      { language: 'sh', code: 'echo hi\n' },
    ]);
  });

  it(
    'runs the python blocks of the messages it received in the sandbox, in order; the output is its answer',
    async () => {
      const result = await runWith('Here:\n```python\nx = 6 * 7\nprint(x)\n```\nthen\n```python\nprint("again")\n```');
      expect(result.messages.map((m) => m.source)).toEqual(['user', 'coder', 'executor']);
      expect(last(result)).toBe('42\nagain\n');
    },
    SLOW,
  );

  it(
    'words an empty output and a failing script as AgentChat does, stopping at the failing block',
    async () => {
      expect(last(await runWith('```python\nx = 1\n```'))).toBe(
        'The script ran but produced no output to console. The POSIX exit code was: 0. If you were expecting output, consider revising the script to ensure content is printed to stdout.',
      );
      const failed = last(await runWith('```python\nprint("before")\nraise ValueError("boom")\n```\n```python\nprint("never")\n```'));
      expect(failed).toMatch(/^The script ran, then exited with an error \(POSIX exit code: 1\)\nIts output was:\n/);
      expect(failed).toContain('ValueError: boom');
      expect(failed).toContain('before');
      expect(failed).not.toContain('never');
    },
    SLOW,
  );

  it('answers NO_CODE_BLOCKS_FOUND_MESSAGE without a code block, and looks only at `sources` when given', async () => {
    expect(last(await runWith('No code here.'))).toBe(NO_CODE_BLOCKS_FOUND_MESSAGE);
    expect(last(await runWith('```python\nprint(1)\n```', { sources: ['someone_else'] }))).toBe(NO_CODE_BLOCKS_FOUND_MESSAGE);
  });

  it(
    'cannot run sh: it runs code only in the Python sandbox, and says so as a failed execution',
    async () => {
      const answer = last(await runWith('```sh\necho hi\n```'));
      expect(answer).toBe(
        'The script ran, then exited with an error (POSIX exit code: 1)\nIts output was:\n\nsh code cannot run here: code runs only in the Python sandbox',
      );
    },
    SLOW,
  );

  it('round-trips the config AgentChat dumps', () => {
    const config = executorAgent();
    expect(dumpComponent(loadComponent(config, ctx(), 'agent'))).toEqual(config);
  });

  it('is refused at load when the sandbox is off, and with a model client (not supported)', () => {
    expect(() => loadComponent(executorAgent(), ctx(null), 'agent')).toThrow(
      'CodeExecutorAgent runs code only in the Python sandbox, which is off on this server',
    );
    const withModel = executorAgent({ model_client: assistant('x', []).config.model_client });
    expect(() => loadComponent(withModel, ctx(), 'agent')).toThrow('a CodeExecutorAgent with its own model client is not supported');
  });
});
