/**
 * The escape tests (README, "Python tools: the sandbox"): each attempt must end as an error
 * result (or, where Python itself cannot tell, leave the host untouched), and the server and the
 * pool must be fine afterwards. Plus the pool's promises: limits, isolation between runs, stops.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackListener } from '../../../test/support/engine/loopback-listener.js';
import { PythonSandbox } from './python-sandbox.js';
import { SandboxFailure } from './sandbox-process.js';
import { runPerTest } from '../../../test/support/engine/run-per-test.js';

const SLOW = 120_000;
const MAX_OUTPUT = 2_000;

let sandbox: PythonSandbox;
let scratch: string;

/** Each test is one run (test/support/engine/run-per-test.ts). */
const testRunSignal = runPerTest();

/** A FunctionTool call in `signal`'s run, by default the test's run. */
async function call(source: string, args: Record<string, unknown> = {}, signal: AbortSignal = testRunSignal(), timeoutMs?: number) {
  const name = /def (\w+)\(/.exec(source)![1]!;
  return sandbox.callFunction({ toolKey: `key-${name}`, imports: '', source, function: name, args }, { signal, ...(timeoutMs ? { timeoutMs } : {}) });
}

/** A FunctionTool call in a run of its own, ended after the call (as the driver ends runs). */
async function callInNewRun(source: string, args: Record<string, unknown> = {}, timeoutMs?: number) {
  const own = new AbortController();
  try {
    return await call(source, args, own.signal, timeoutMs);
  } finally {
    own.abort('Run ended');
  }
}

/** Resolves once no process has this pid (the OS reaped it); fails after `withinMs`. */
async function waitUntilGone(pid: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} still exists after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'sandbox-spec-'));
  process.env.TEAMSTREAM_SANDBOX_CANARY = 'sk-canary-do-not-leak';
  sandbox = new PythonSandbox({ poolSize: 2, timeoutMs: 20_000, memoryMb: 192, maxOutputChars: MAX_OUTPUT, startTimeoutMs: SLOW });
  // The first call waits for start-up.
  await expect(callInNewRun('def ping() -> str:\n    return "pong"\n')).resolves.toEqual({ ok: true, text: 'pong' });
}, SLOW);

afterAll(async () => {
  delete process.env.TEAMSTREAM_SANDBOX_CANARY;
  await sandbox?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe(PythonSandbox.name, () => {
  describe('escape attempts, each of which must fail', () => {
    it(
      "cannot read the server's environment or API keys",
      async () => {
        const direct = await call('def env() -> str:\n    import os\n    return os.environ["TEAMSTREAM_SANDBOX_CANARY"]\n');
        expect(direct).toEqual({ ok: false, text: "Error: 'TEAMSTREAM_SANDBOX_CANARY'" });
        const all = await call('def env() -> str:\n    import os\n    return repr(dict(os.environ))\n');
        // What Python sees is Pyodide's own made-up environment, none of the server's.
        expect(all.text).not.toContain('sk-canary');
        expect(all.text).toContain("'HOME': '/home/pyodide'");
        const viaJs = await call('def env() -> str:\n    import js\n    return str(js.process.env)\n');
        expect(viaJs).toEqual({ ok: false, text: expect.stringContaining("import of 'js' is blocked") });
      },
      SLOW,
    );

    it(
      'cannot read a host file (/etc/hostname, a SQLite database)',
      async () => {
        const db = path.join(scratch, 'teamstream.db');
        writeFileSync(db, 'SQLite format 3\0secret rows');
        for (const file of ['/etc/hostname', db]) {
          const read = await call(`def read() -> str:\n    return open(${JSON.stringify(file)}, "rb").read().decode()\n`);
          expect(read).toEqual({ ok: false, text: expect.stringContaining('No such file or directory') });
        }
      },
      SLOW,
    );

    it(
      'cannot write a host file',
      async () => {
        const target = path.join(scratch, 'written-by-python.txt');
        const write = await call(`def write() -> str:\n    open(${JSON.stringify(target)}, "w").write("x")\n    return "written"\n`);
        expect(write).toEqual({ ok: false, text: expect.stringContaining('No such file or directory') });
        // /tmp exists inside the sandbox too, but it is Pyodide's in-memory file system.
        const inTmp = path.join('/tmp', `teamstream-escape-${process.pid}.txt`);
        await call(`def write() -> str:\n    open(${JSON.stringify(inTmp)}, "w").write("x")\n    return "written"\n`);
        expect(existsSync(target)).toBe(false);
        expect(existsSync(inTmp)).toBe(false);
      },
      SLOW,
    );

    it(
      'cannot start a process',
      async () => {
        const run = await call('def run() -> str:\n    import subprocess\n    return str(subprocess.run(["id"], capture_output=True))\n');
        expect(run).toEqual({ ok: false, text: expect.stringMatching(/^Error: .*(not support|not permitted|No such file)/) });
        // Pyodide's os.system() would run a host shell under Node: the child refuses it (status 126).
        const system = await call(
          'def run() -> str:\n    import os\n    code = os.system("id")\n    if code != 0:\n        raise OSError(f"os.system failed: {code >> 8}")\n    return "ran"\n',
        );
        expect(system).toEqual({ ok: false, text: 'Error: os.system failed: 126' });
      },
      SLOW,
    );

    it(
      'cannot open a TCP connection or an HTTP request to a loopback listener (which receives nothing)',
      async () => {
        const server = await loopbackListener();
        try {
          const tcp = await call(
            `def tcp() -> str:\n    import socket\n    socket.create_connection(("127.0.0.1", ${server.port}), timeout=5).sendall(b"hello")\n    return "connected"\n`,
          );
          expect(tcp.ok).toBe(false);
          const http = await call(
            `def http() -> str:\n    import urllib.request\n    return urllib.request.urlopen("http://127.0.0.1:${server.port}/", timeout=5).read().decode()\n`,
          );
          expect(http.ok).toBe(false);
          const asyncio = await call(
            `async def conn() -> str:\n    import asyncio\n    reader, writer = await asyncio.open_connection("127.0.0.1", ${server.port})\n    writer.write(b"hello")\n    return "connected"\n`,
          );
          expect(asyncio.ok).toBe(false);
          expect(await server.connections()).toBe(0);
        } finally {
          await server.close();
        }
      },
      SLOW,
    );

    it.each([
      'js',
      'pyodide_js',
      'pyodide',
      'pyodide.code',
      'pyodide.ffi',
      'pyodide.http',
      'pyodide.webloop',
      '_pyodide',
      '_pyodide._base',
      '_pyodide_core',
      'micropip',
    ])(
      'cannot reach JavaScript through %s (import, __import__, importlib)',
      async (name) => {
        for (const how of [
          `import ${name}`,
          `__import__(${JSON.stringify(name)})`,
          `import importlib; importlib.import_module(${JSON.stringify(name)})`,
        ]) {
          const reached = await call(`def bridge() -> str:\n    ${how}\n    return "reached"\n`);
          expect(reached).toEqual({ ok: false, text: expect.stringContaining(`import of '${name}' is blocked`) });
        }
        const lying = await call(`def bridge() -> str:\n    import sys\n    return str([n for n in sys.modules if n in ("js", "pyodide_js")])\n`);
        expect(lying).toEqual({ ok: true, text: '[]' });
      },
      SLOW,
    );

    it(
      'stops an infinite loop at the time limit, and replaces the process',
      async () => {
        // Earlier runs' processes are being killed: count from when only spares are left.
        const deadline = Date.now() + 10_000;
        while (sandbox.counts().owned > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(sandbox.counts().owned).toBe(0);
        const before = sandbox.pids();
        const loop = await callInNewRun('def spin() -> str:\n    while True:\n        pass\n', {}, 1_500).catch((e: unknown) => e);
        expect(loop).toBeInstanceOf(SandboxFailure);
        expect((loop as SandboxFailure).kind).toBe('timeout');
        expect((loop as Error).message).toBe('the Python call ran past its time limit of 1500 ms and was stopped');
        // The looping process was one of the spares (a run's first call takes a spare); it, and only
        // it, is gone: not left spinning, and not handed to anyone else.
        const gone = before.filter((pid) => !sandbox.pids().includes(pid));
        expect(gone).toHaveLength(1);
        await waitUntilGone(gone[0]!, 10_000);
        expect(sandbox.counts()).toMatchObject({ owned: 0 });
        // A new spare took its place, and the next run's call is served.
        await expect(callInNewRun('def ping() -> str:\n    return "pong"\n')).resolves.toEqual({ ok: true, text: 'pong' });
        expect(sandbox.counts().spares).toBeGreaterThanOrEqual(1);
      },
      SLOW,
    );

    it(
      'turns a memory bomb into a MemoryError',
      async () => {
        const once = await call('def bomb() -> str:\n    x = bytearray(1 << 30)\n    return str(len(x))\n');
        expect(once).toEqual({ ok: false, text: 'Error: the Python call ran out of memory (MemoryError)' });
        const growing = await call('def bomb() -> str:\n    x = []\n    while True:\n        x.append(bytearray(1 << 20))\n');
        expect(growing).toEqual({ ok: false, text: 'Error: the Python call ran out of memory (MemoryError)' });
        await expect(call('def ping() -> str:\n    return "pong"\n')).resolves.toEqual({ ok: true, text: 'pong' });
      },
      SLOW,
    );

    it(
      'survives deep recursion, even with the recursion limit raised',
      async () => {
        const deep = await callInNewRun('def deep() -> str:\n    def down(n):\n        return down(n + 1)\n    return down(0)\n');
        expect(deep).toEqual({ ok: false, text: 'Error: maximum recursion depth exceeded' });
        const raised = await callInNewRun(
          'def deep() -> str:\n    import sys\n    sys.setrecursionlimit(10**6)\n    def down(n):\n        return down(n + 1)\n    return down(0)\n',
        ).then(
          (result) => result,
          (error: unknown) => error,
        );
        // Either Python reports it (RecursionError, MemoryError), or the interpreter dies (crashed),
        // or, with the limit at a million, the recursion is still going at the time limit (timeout:
        // Python 3.12+ keeps Python-to-Python calls off the C stack, so nothing overflows early, and
        // the baseline-only WebAssembly compiler is slow on a busy machine). Never the server.
        if (raised instanceof SandboxFailure) expect(['crashed', 'timeout']).toContain(raised.kind);
        else expect(raised).toMatchObject({ ok: false });
        // A process that failed is killed, not left recursing: no run holds a process any more.
        const deadline = Date.now() + 10_000;
        while (sandbox.counts().owned > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(sandbox.counts().owned).toBe(0);
        await expect(callInNewRun('def ping() -> str:\n    return "pong"\n')).resolves.toEqual({ ok: true, text: 'pong' });
      },
      SLOW,
    );

    it(
      'caps huge output at TOOL_MAX_OUTPUT_CHARS',
      async () => {
        const huge = await call('def huge() -> str:\n    print("y" * 10**7)\n    return "x" * 10**7\n');
        expect(huge.ok).toBe(true);
        expect(huge.text).toBe(`${'x'.repeat(MAX_OUTPUT)}\n...(output truncated to ${MAX_OUTPUT} characters)`);
        const code = await sandbox.runCode('print("z" * 10**7)', { signal: testRunSignal() });
        expect(code.output).toBe(`${'z'.repeat(MAX_OUTPUT)}\n...(output truncated to ${MAX_OUTPUT} characters)`);
      },
      SLOW,
    );
  });

  describe('runs', () => {
    it(
      'keeps a tool’s module state within a run, and shows none of it to another run',
      async () => {
        const counter =
          'import math\nCALLS = []\ndef count() -> str:\n    CALLS.append(1)\n    math.pi = 3\n    open("/tmp/run-state.txt", "a").write("x")\n    return f"{len(CALLS)} {math.pi} {open(\'/tmp/run-state.txt\').read()}"\n';
        const runA = new AbortController();
        expect(await call(counter, {}, runA.signal)).toEqual({ ok: true, text: '1 3 x' });
        expect(await call(counter, {}, runA.signal)).toEqual({ ok: true, text: '2 3 xx' });
        const runB = new AbortController();
        const peek = 'def peek() -> str:\n    import math, os\n    return f"{math.pi:.5f} {os.path.exists(\'/tmp/run-state.txt\')}"\n';
        expect(await call(peek, {}, runB.signal)).toEqual({ ok: true, text: '3.14159 False' });
        runA.abort('Run ended');
        expect(await call(counter, {}, runB.signal)).toEqual({ ok: true, text: '1 3 x' });
        // Run B ends too, so its process does not count against the user's cap in later tests.
        runB.abort('Run ended');
      },
      SLOW,
    );

    it(
      'kills the process of a call whose run is stopped',
      async () => {
        const run = new AbortController();
        const spinning = call('def spin() -> str:\n    while True:\n        pass\n', {}, run.signal);
        run.abort('Stopped by the user');
        await expect(spinning).rejects.toMatchObject({ kind: 'aborted' });
        await expect(call('def ping() -> str:\n    return "pong"\n')).resolves.toEqual({ ok: true, text: 'pong' });
      },
      SLOW,
    );

    it(
      'runs a code block as a script: stderr then stdout, exit code, traceback',
      async () => {
        const result = await sandbox.runCode('import sys\nprint("out")\nprint("err", file=sys.stderr)\n1/0\n', {
          signal: testRunSignal(),
        });
        expect(result.exitCode).toBe(1);
        expect(result.output).toBe(
          'err\nTraceback (most recent call last):\n  File "<code>", line 4, in <module>\n    1/0\n    ~^~\nZeroDivisionError: division by zero\nout\n',
        );
        await expect(sandbox.runCode('import sys\nsys.exit(3)', { signal: testRunSignal() })).resolves.toEqual({
          exitCode: 3,
          output: '',
        });
      },
      SLOW,
    );
  });
});
