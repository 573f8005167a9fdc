import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';

describe(parseCommand.name, () => {
  it('parses a run with its task and input timeout', () => {
    expect(parseCommand(['run', 'team.json', '--task', 'hello', '--input-timeout', '30'])).toEqual({
      kind: 'run',
      teamFile: 'team.json',
      task: 'hello',
      inputTimeoutSeconds: 30,
    });
    expect(parseCommand(['run', 'team.json', '-t', 'hi'])).toMatchObject({ kind: 'run', task: 'hi', inputTimeoutSeconds: undefined });
  });

  it('asks for help with no arguments or -h', () => {
    expect(parseCommand([])).toEqual({ kind: 'help' });
    expect(parseCommand(['run', '-h'])).toEqual({ kind: 'help' });
  });

  it('explains what is wrong with bad usage', () => {
    expect(parseCommand(['walk', 'x'])).toEqual({ kind: 'usage-error', message: 'unknown command "walk"' });
    expect(parseCommand(['run'])).toEqual({ kind: 'usage-error', message: 'missing the team config file' });
    expect(parseCommand(['run', 'a.json', '--task', 'x', '--input-timeout', '-1'])).toMatchObject({ kind: 'usage-error' });
    expect(parseCommand(['run', 'a.json', '--bogus'])).toMatchObject({ kind: 'usage-error' });
  });
});
