import { describe, expect, it } from 'vitest';
import { calculatorTool, weatherForecastTool } from './builtins.js';
import { StaticWorkbench } from './workbench.js';

const context = { signal: new AbortController().signal };

describe(StaticWorkbench.name, () => {
  it('lists its tools and calls them by name', async () => {
    const workbench = new StaticWorkbench([calculatorTool, weatherForecastTool]);

    await expect(workbench.listTools()).resolves.toEqual([calculatorTool.schema, weatherForecastTool.schema]);
    await expect(workbench.callTool('calculator', { a: 2, b: 5, operator: '*' }, context)).resolves.toEqual({ content: '10', isError: false });
  });

  it('answers a call to an unknown tool with an error result', async () => {
    const workbench = new StaticWorkbench([calculatorTool]);

    await expect(workbench.callTool('missing', {}, context)).resolves.toEqual({ content: 'Error: unknown tool "missing"', isError: true });
  });
});
