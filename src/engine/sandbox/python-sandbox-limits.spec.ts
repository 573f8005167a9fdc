/** The pool when things go wrong around Python rather than in it: no start, too much memory. */
import { describe, expect, it } from 'vitest';
import { PythonSandbox } from './python-sandbox.js';
import { SandboxFailure } from './sandbox-process.js';

const call = (sandbox: PythonSandbox) =>
  sandbox.callFunction(
    { toolKey: 'k', imports: '', source: 'def ping() -> str:\n    return "pong"\n', function: 'ping', args: {} },
    { signal: new AbortController().signal },
  );

describe(PythonSandbox.name, () => {
  it('fails calls, saying why, when its processes cannot start', async () => {
    const sandbox = new PythonSandbox({
      poolSize: 1,
      timeoutMs: 5_000,
      memoryMb: 64,
      maxOutputChars: 1_000,
      spawnSpec: { command: process.execPath, args: ['-e', 'process.stderr.write("no pyodide here"); process.exit(3)'] },
    });
    try {
      const error = await call(sandbox).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SandboxFailure);
      expect((error as SandboxFailure).message).toMatch(
        /^the Python sandbox is unavailable: the Python sandbox process failed to start \(exit code 3\): no pyodide here/,
      );
      // Paused: the next call fails at once instead of waiting.
      await expect(call(sandbox)).rejects.toThrow('the Python sandbox is unavailable');
    } finally {
      await sandbox.close();
    }
  });

  it('kills a process whose resident memory passes the limit', async () => {
    // A limit below what Pyodide itself needs: the check after the first call trips.
    const sandbox = new PythonSandbox({
      poolSize: 1,
      timeoutMs: 30_000,
      memoryMb: 128,
      rssLimitMb: 40,
      maxOutputChars: 1_000,
      startTimeoutMs: 120_000,
    });
    try {
      const error = await call(sandbox).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SandboxFailure);
      expect(error).toMatchObject({ kind: 'memory', message: "the Python call went past the sandbox's memory limit (40 MB) and was stopped" });
    } finally {
      await sandbox.close();
    }
  }, 120_000);
});
