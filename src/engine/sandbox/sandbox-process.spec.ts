/**
 * The server's side of one sandbox process, against plain Node children that speak the
 * protocol (or break it): no Pyodide, no bubblewrap, so these run in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import type { CodeCallRequest } from './protocol.js';
import { SandboxFailure, SandboxProcess } from './sandbox-process.js';

/** A child that runs `script` (JavaScript) with plain Node. */
function processOf(script: string): { process: SandboxProcess; exited: Promise<SandboxFailure> } {
  let onExit!: (reason: SandboxFailure) => void;
  const exited = new Promise<SandboxFailure>((resolve) => (onExit = resolve));
  const process = new SandboxProcess({
    spec: { command: globalThis.process.execPath, args: ['--eval', script] },
    startTimeoutMs: 30_000,
    rssLimitBytes: 1024 * 1024 * 1024,
    maxLineChars: 10_000,
    onExit,
  });
  return { process, exited };
}

describe('SandboxProcess', () => {
  it('kills a child that says `ready` a second time (a ready process must never look idle again mid-call)', async () => {
    const { process, exited } = processOf(`
      const say = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
      say({ t: 'ready', startMs: 1 });
      process.stdin.once('data', () => say({ t: 'ready', startMs: 1 }));
      setInterval(() => {}, 1000);`);
    await process.ready;
    const input: Omit<CodeCallRequest, 'id'> = { t: 'call', kind: 'code', code: 'pass', session: 'run-1', maxOutputChars: 1000 };
    const call = process.call(input, { timeoutMs: 20_000, signal: new AbortController().signal });
    await expect(call).rejects.toMatchObject({ kind: 'crashed', message: 'the Python sandbox process crashed; the call did not complete' });
    expect((await exited).detail).toContain('it said ready again');
    expect(process.isDead).toBe(true);
  }, 30_000);
});
