/**
 * FunctionTool from its Python source, and PythonCodeExecutionTool, as a config loads them:
 * precedence of registered tools, the schema the model sees, calls in the sandbox, round-trips.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LoadContext } from '../components/registry-types.js';
import { FunctionTool } from '../components/function-tool.js';
import { loadComponent } from '../components/loader.js';
import { ConfigError } from '../errors.js';
import { PythonSandbox } from '../sandbox/python-sandbox.js';
import { PythonCodeExecutionTool } from './code-execution-tool.js';
import { tool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';
import { runPerTest } from '../../../test/support/engine/run-per-test.js';

const SLOW = 120_000;
const python = new PythonSandbox({ poolSize: 1, timeoutMs: 20_000, memoryMb: 192, maxOutputChars: 5_000, startTimeoutMs: SLOW });
const ctx = (tools: ToolRegistry = new ToolRegistry(), sandbox: PythonSandbox | null = python): LoadContext => ({
  tools,
  ...(sandbox ? { python: sandbox } : {}),
});
/** Each test is one run (test/support/engine/run-per-test.ts). */
const testRunSignal = runPerTest();
const context = () => ({ signal: testRunSignal() });

const functionTool = (config: Record<string, unknown>) => ({ provider: 'autogen_core.tools.FunctionTool', component_type: 'tool', config });
const CALCULATOR = {
  name: 'calculator',
  description: 'A simple calculator that performs basic arithmetic operations',
  source_code:
    'def calculator(a: float, b: float, operator: str) -> str:\n    if operator == "+":\n        return str(a + b)\n    if operator == "/":\n        if b == 0:\n            return "Error: Division by zero"\n        return str(a / b)\n    return "Error: Invalid operator"\n',
  global_imports: [],
  has_cancellation_support: false,
};

afterAll(() => python.close());

describe('FunctionTool from source_code', () => {
  it(
    "runs AGS's calculator from its source, with the schema AgentChat derives",
    async () => {
      const loaded = loadComponent(functionTool(CALCULATOR), ctx(), 'tool');
      expect(loaded).toBeInstanceOf(FunctionTool);
      expect(loaded.schema).toEqual({
        name: 'calculator',
        description: 'A simple calculator that performs basic arithmetic operations',
        parameters: {
          type: 'object',
          properties: {
            a: { type: 'number', title: 'A', description: 'a' },
            b: { type: 'number', title: 'B', description: 'b' },
            operator: { type: 'string', title: 'Operator', description: 'operator' },
          },
          required: ['a', 'b', 'operator'],
        },
      });
      await expect(loaded.run({ a: 1, b: 2, operator: '+' }, context())).resolves.toEqual({ content: '3.0', isError: false });
      await expect(loaded.run({ a: 1, b: 0, operator: '/' }, context())).resolves.toEqual({ content: 'Error: Division by zero', isError: false });
      // pydantic's lax conversion of "2" to a float, and its refusal of a missing field.
      await expect(loaded.run({ a: 1, b: '2', operator: '+' }, context())).resolves.toEqual({ content: '3.0', isError: false });
      await expect(loaded.run({ a: 1, operator: '+' }, context())).resolves.toEqual({
        content: 'Error: 1 validation error for calculatorargs\nb: Field required',
        isError: true,
      });
      expect((loaded as FunctionTool).toConfig()).toEqual(CALCULATOR);
    },
    SLOW,
  );

  it('prefers a registered tool of the same name over the source', async () => {
    const registered = tool({ name: 'calculator', description: 'TS calculator', parameters: z.object({}), execute: () => 'from TypeScript' });
    const loaded = loadComponent(functionTool(CALCULATOR), ctx(new ToolRegistry([registered])), 'tool');
    await expect(loaded.run({}, context())).resolves.toEqual({ content: 'from TypeScript', isError: false });
  });

  it(
    'awaits an async function, imports global_imports, and returns str() of the value',
    async () => {
      const loaded = loadComponent(
        functionTool({
          name: 'stats',
          source_code:
            'async def stats(values: List[float], label: str = "mean") -> Dict[str, float]:\n    """Summarise numbers."""\n    await asyncio.sleep(0)\n    return {label: statistics.mean(values), "root": sqrt(values[0])}\n',
          global_imports: ['asyncio', 'statistics', { module: 'math', imports: ['sqrt'] }, { module: 'typing', imports: ['Dict', 'List'] }],
        }),
        ctx(),
        'tool',
      );
      expect(loaded.description).toBe('Summarise numbers.');
      await expect(loaded.run({ values: [4, 8] }, context())).resolves.toEqual({ content: "{'mean': 6.0, 'root': 2.0}", isError: false });
    },
    SLOW,
  );

  it(
    'reports an exception as AgentChat does, and a missing module as an error',
    async () => {
      const failing = loadComponent(
        functionTool({ name: 'boom', source_code: 'def boom() -> str:\n    raise ValueError("no such page")\n' }),
        ctx(),
        'tool',
      );
      await expect(failing.run({}, context())).resolves.toEqual({ content: 'Error: no such page', isError: true });
      const missing = loadComponent(
        functionTool({ name: 'scrape', source_code: 'def scrape() -> str:\n    return "x"\n', global_imports: ['bs4'] }),
        ctx(),
        'tool',
      );
      await expect(missing.run({}, context())).resolves.toEqual({ content: "Error: No module named 'bs4'", isError: true });
    },
    SLOW,
  );

  it('refuses a source without a function, and a bad import, at load', () => {
    expect(() => loadComponent(functionTool({ name: 'x', source_code: 'x = 1\n' }), ctx(), 'tool')).toThrow(ConfigError);
    expect(() => loadComponent(functionTool({ name: 'x', source_code: 'def x(): ...', global_imports: ['os; import sys'] }), ctx(), 'tool')).toThrow(
      'config.global_imports[0]: not an import',
    );
  });

  it("with PYTHON_TOOLS=off, keeps today's refusal", () => {
    expect(() => loadComponent(functionTool(CALCULATOR), ctx(new ToolRegistry(), null), 'tool')).toThrow(
      'FunctionTool "calculator" is not a registered tool (its Python source_code is never run)',
    );
  });
});

describe(PythonCodeExecutionTool.name, () => {
  const GALLERY_CONFIG = {
    executor: {
      provider: 'autogen_ext.code_executors.local.LocalCommandLineCodeExecutor',
      component_type: 'code_executor',
      config: { timeout: 360, work_dir: '.coding', functions_module: 'functions', cleanup_temp_files: true },
    },
    description: 'Execute Python code blocks.',
  };
  const codeTool = (config: Record<string, unknown> = GALLERY_CONFIG) =>
    loadComponent({ provider: 'autogen_ext.tools.code_execution.PythonCodeExecutionTool', component_type: 'tool', config }, ctx(), 'tool');

  it(
    'runs the model’s code in the sandbox, whatever executor the config names',
    async () => {
      const loaded = codeTool();
      expect(loaded.name).toBe('CodeExecutor');
      expect(loaded.schema.parameters).toEqual({
        type: 'object',
        properties: { code: { description: 'The contents of the Python code block that should be executed', title: 'Code', type: 'string' } },
        required: ['code'],
      });
      const host = await loaded.run({ code: 'import os\nprint(os.getcwd(), os.path.exists(".coding"), os.environ.get("HOME"))' }, context());
      expect(host).toEqual({ content: '/home/pyodide False /home/pyodide\n', isError: false });
      expect((loaded as PythonCodeExecutionTool).toConfig()).toEqual(GALLERY_CONFIG);
    },
    SLOW,
  );

  it(
    "reports a timeout as the executor does, the executor's own timeout shortening the sandbox's",
    async () => {
      const loaded = codeTool({ ...GALLERY_CONFIG, executor: { ...GALLERY_CONFIG.executor, config: { timeout: 1 } } });
      await expect(loaded.run({ code: 'while True:\n    pass' }, context())).resolves.toEqual({ content: '\nTimeout', isError: false });
    },
    SLOW,
  );

  it('is refused when the sandbox is off', () => {
    expect(() => loadComponent({ provider: 'PythonCodeExecutionTool', config: GALLERY_CONFIG }, ctx(new ToolRegistry(), null), 'tool')).toThrow(
      'runs code only in the Python sandbox, which is off on this server',
    );
  });
});
