/** The pool when things go wrong around Python rather than in it: no start, too much memory. */
import { describe, expect, it } from 'vitest';
import { PythonSandbox } from './python-sandbox.js';
import { inheritSandboxOwner, setSandboxOwner } from './run-owner.js';
import { SandboxFailure } from './sandbox-process.js';

const call = (sandbox: PythonSandbox) =>
  sandbox.callFunction(
    { toolKey: 'k', imports: '', source: 'def ping() -> str:\n    return "pong"\n', function: 'ping', args: {} },
    { signal: new AbortController().signal },
  );

/**
 * A stand-in for a sandbox process that speaks the wire protocol (ready, then one result per call)
 * and runs no Python: the pool's scheduling is what is under test, not Pyodide.
 */
const PROTOCOL_ONLY_CHILD = String.raw`
process.stdout.write(JSON.stringify({ t: 'ready', startMs: 1 }) + '\n');
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const request = JSON.parse(pending.slice(0, newline));
    pending = pending.slice(newline + 1);
    process.stdout.write(JSON.stringify({ t: 'result', id: request.id, kind: 'function', ok: true, text: String(process.pid) }) + '\n');
  }
});
`;

/** Four processes at most, one per user, each a protocol-only child. */
const protocolOnlySandbox = () =>
  new PythonSandbox({
    poolSize: 1,
    maxProcesses: 4,
    maxProcessesPerUser: 1,
    timeoutMs: 30_000,
    memoryMb: 64,
    maxOutputChars: 1_000,
    spawnSpec: { command: process.execPath, args: ['-e', PROTOCOL_ONLY_CHILD] },
  });

describe(PythonSandbox.name, () => {
  it('holds one user to PYTHON_MAX_PROCESSES_PER_USER: their next run waits until one of theirs ends, another user does not', async () => {
    const sandbox = protocolOnlySandbox();
    const callAs = (owner: string, run: AbortController) =>
      sandbox.callFunction({ toolKey: 'k', imports: '', source: '', function: 'f', args: {} }, { signal: run.signal, owner });
    const annFirst = new AbortController();
    const annSecond = new AbortController();
    const bob = new AbortController();
    try {
      await expect(callAs('ann', annFirst)).resolves.toMatchObject({ ok: true });
      // Ann's first run still holds its process: her second run's call waits...
      let secondDone = false;
      const second = callAs('ann', annSecond).finally(() => (secondDone = true));
      // ...while Bob's call is served (and it settles after Ann's second call was queued).
      await expect(callAs('bob', bob)).resolves.toMatchObject({ ok: true });
      expect(secondDone).toBe(false);
      expect(sandbox.counts('ann').owned).toBe(1);
      // Ann's first run ends: its process goes, and her second run gets one.
      annFirst.abort('Run ended');
      await expect(second).resolves.toMatchObject({ ok: true });
      expect(sandbox.counts('ann').owned).toBe(1);
    } finally {
      for (const run of [annFirst, annSecond, bob]) run.abort('Run ended');
      await sandbox.close();
    }
  }, 60_000);

  it('counts a call against the user its signal was recorded for when the call names none (run-owner.ts)', async () => {
    const sandbox = protocolOnlySandbox();
    const claimed = new AbortController();
    setSandboxOwner(claimed.signal, 'ann');
    // The run driver's own signal, joined to the claim's, as tools see it.
    const driven = AbortSignal.any([claimed.signal, new AbortController().signal]);
    inheritSandboxOwner(claimed.signal, driven);
    try {
      await expect(
        sandbox.callFunction({ toolKey: 'k', imports: '', source: '', function: 'f', args: {} }, { signal: driven }),
      ).resolves.toMatchObject({ ok: true });
      expect(sandbox.counts('ann').owned).toBe(1);
      expect(sandbox.counts('').owned).toBe(0);
    } finally {
      claimed.abort('Run ended');
      await sandbox.close();
    }
  }, 60_000);

  it('keeps a ready process past the start-up limit: a run keeps its process (and its state) however long it lasts', async () => {
    const startTimeoutMs = 1_000;
    const sandbox = new PythonSandbox({
      poolSize: 1,
      timeoutMs: 30_000,
      memoryMb: 64,
      maxOutputChars: 1_000,
      startTimeoutMs,
      spawnSpec: { command: process.execPath, args: ['-e', PROTOCOL_ONLY_CHILD] },
    });
    const run = new AbortController();
    const callInRun = () =>
      sandbox.callFunction({ toolKey: 'k', imports: '', source: '', function: 'f', args: {} }, { signal: run.signal, owner: 'ann' });
    try {
      // The protocol-only child answers with its pid: the same pid means the same process.
      const first = await callInRun();
      const startedBefore = Date.now();
      // Past the start-up limit of every process started so far (a clock wait, not an I/O race).
      await new Promise((resolve) => setTimeout(resolve, startTimeoutMs * 2 + 500));
      expect(Date.now() - startedBefore).toBeGreaterThan(startTimeoutMs * 2);
      await expect(callInRun()).resolves.toEqual(first);
    } finally {
      run.abort('Run ended');
      await sandbox.close();
    }
  }, 30_000);

  it('fails calls, saying why, when its processes cannot start; the stderr goes to the log, never into the error', async () => {
    const logged: string[] = [];
    const sandbox = new PythonSandbox({
      log: (line) => logged.push(line),
      poolSize: 1,
      timeoutMs: 5_000,
      memoryMb: 64,
      maxOutputChars: 1_000,
      spawnSpec: { command: process.execPath, args: ['-e', 'process.stderr.write("no pyodide here"); process.exit(3)'] },
    });
    try {
      const error = await call(sandbox).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SandboxFailure);
      // A fixed text: what the child wrote is for the operator (the log), not for a model.
      expect((error as SandboxFailure).message).toBe('the Python sandbox is unavailable: its processes fail to start (see the server log)');
      expect(String((error as SandboxFailure).message)).not.toContain('no pyodide here');
      expect(logged.join('\n')).toContain('no pyodide here');
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
