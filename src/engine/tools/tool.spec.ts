import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isTool, tool } from './tool.js';

const context = () => ({ signal: new AbortController().signal });

const add = tool({
  name: 'add',
  description: 'Adds two integers.',
  parameters: z.object({ a: z.number().int().describe('first'), b: z.number().int() }),
  execute: ({ a, b }) => a + b,
});

describe(tool.name, () => {
  it('produces a JSON schema of the parameters for the model', () => {
    expect(add.schema).toEqual({
      name: 'add',
      description: 'Adds two integers.',
      parameters: {
        type: 'object',
        properties: {
          a: { type: 'integer', description: 'first', minimum: expect.any(Number), maximum: expect.any(Number) },
          b: { type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) },
        },
        required: ['a', 'b'],
      },
    });
  });

  it('runs on valid arguments and sends non-string results as JSON', async () => {
    await expect(add.run({ a: 2, b: 3 }, context())).resolves.toEqual({ content: '5', isError: false });
    const pair = tool({ name: 'pair', description: '', parameters: z.object({}), execute: () => ({ x: 1 }) });
    await expect(pair.run({}, context())).resolves.toEqual({ content: '{"x":1}', isError: false });
  });

  it('turns a bad argument into an error result naming the field, without calling execute', async () => {
    const result = await add.run({ a: 'two', b: 3 }, context());

    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/^Invalid arguments for add: a: /);
  });

  it('turns a throwing execute into an error result', async () => {
    const broken = tool({
      name: 'broken',
      description: '',
      parameters: z.object({}),
      execute: () => {
        throw new Error('disk full');
      },
    });

    await expect(broken.run({}, context())).resolves.toEqual({ content: 'Error: disk full', isError: true });
  });

  it('rethrows when the run was aborted, so a stop is not mistaken for a tool failure', async () => {
    const controller = new AbortController();
    const slow = tool({
      name: 'slow',
      description: '',
      parameters: z.object({}),
      execute: (_args, { signal }) => {
        controller.abort();
        signal.throwIfAborted();
      },
    });

    await expect(slow.run({}, { signal: controller.signal })).rejects.toBeDefined();
  });

  it('refuses a name the OpenAI API would refuse', () => {
    expect(() => tool({ name: 'has space', description: '', parameters: z.object({}), execute: () => '' })).toThrow(/must match/);
  });

  it('is recognised by isTool, unlike plain values', () => {
    expect(isTool(add)).toBe(true);
    expect(isTool({ name: 'x' })).toBe(false);
    expect(isTool(null)).toBe(false);
  });
});
