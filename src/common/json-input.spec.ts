import { describe, expect, it } from 'vitest';
import { describeJsonInputProblem, findJsonInputProblem } from './json-input.js';

const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;

describe(findJsonInputProblem.name, () => {
  it('counts containers: the limit itself passes, one more level does not', () => {
    expect(findJsonInputProblem(nested(64), 64)).toBeNull();
    expect(findJsonInputProblem(nested(65), 64)).toEqual({ kind: 'too_deep', maxDepth: 64 });
    expect(findJsonInputProblem({ a: { b: [1, 'x', null] } }, 3)).toBeNull();
    expect(findJsonInputProblem({ a: { b: [[]] } }, 3)).toEqual({ kind: 'too_deep', maxDepth: 3 });
    expect(findJsonInputProblem('scalar', 1)).toBeNull();
  });

  it('walks 100,000 levels without overflowing the stack (JSON.parse does too; zod would not)', () => {
    const deep = JSON.parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)) as unknown;
    expect(findJsonInputProblem(deep, 64)).toEqual({ kind: 'too_deep', maxDepth: 64 });
    expect(findJsonInputProblem(nested(100_000), 100_001)).toBeNull();
  });

  it('finds a NUL in any string or key, with its path', () => {
    expect(findJsonInputProblem({ a: ['ok', { b: 'x\u0000y' }] }, 64)).toEqual({ kind: 'nul', path: ['a', 1, 'b'] });
    expect(findJsonInputProblem({ a: { 'k\u0000': 1 } }, 64)).toEqual({ kind: 'nul', path: ['a', 'k\u0000'] });
    expect(findJsonInputProblem('\u0000', 64)).toEqual({ kind: 'nul', path: [] });
    expect(findJsonInputProblem({ ok: 'text with \\u0000 escaped, not a NUL' }, 64)).toBeNull();
  });

  it('says which limit was passed, or which field holds the NUL', () => {
    expect(describeJsonInputProblem({ kind: 'too_deep', maxDepth: 64 }, 'Request body')).toBe(
      'Request body is nested deeper than 64 levels (MAX_JSON_DEPTH)',
    );
    expect(describeJsonInputProblem({ kind: 'nul', path: ['config', 0, 'name'] }, 'Request body')).toBe(
      'config.0.name: must not contain the NUL character (\\u0000)',
    );
  });
});
