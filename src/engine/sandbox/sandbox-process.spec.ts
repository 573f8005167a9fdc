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

describe('SandboxProcess between calls', () => {
  it('kills a run’s process that keeps computing after its call returned (work no call’s time limit covers)', async () => {
    const { process, exited } = processOf(`
      const say = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
      say({ t: 'ready', startMs: 1 });
      process.stdin.once('data', (line) => {
        say({ t: 'result', id: JSON.parse(String(line)).id, kind: 'code', exitCode: 0, output: 'scheduled' });
        setTimeout(() => { for (;;) {} }, 50);
      });
      setInterval(() => {}, 1000);`);
    await process.ready;
    const input: Omit<CodeCallRequest, 'id'> = { t: 'call', kind: 'code', code: 'loop later', session: 'run-1', maxOutputChars: 1000 };
    await expect(process.call(input, { timeoutMs: 20_000, signal: new AbortController().signal })).resolves.toMatchObject({ output: 'scheduled' });
    const reason = await exited;
    expect(reason).toMatchObject({ kind: 'crashed', message: 'the Python sandbox process crashed; the call did not complete' });
    expect(reason.detail).toMatch(/ms of CPU in 1000 ms between calls/);
  }, 30_000);

  it('leaves an idle run’s process that sleeps alone', async () => {
    const { process, exited } = processOf(`
      const say = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
      say({ t: 'ready', startMs: 1 });
      process.stdin.once('data', (line) => say({ t: 'result', id: JSON.parse(String(line)).id, kind: 'code', exitCode: 0, output: 'done' }));
      setInterval(() => {}, 1000);`);
    await process.ready;
    const input: Omit<CodeCallRequest, 'id'> = { t: 'call', kind: 'code', code: 'pass', session: 'run-1', maxOutputChars: 1000 };
    await process.call(input, { timeoutMs: 20_000, signal: new AbortController().signal });
    // A check that nothing happens needs time to pass: three of the watch's one-second windows.
    // Nothing races here; a sleeping child uses next to no CPU whatever the machine's load.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(process.isDead).toBe(false);
    await process.close();
    await exited;
  }, 30_000);
});
