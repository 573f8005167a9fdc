/**
 * Escapes past the import guard (issue #13): Python that reaches Pyodide's JavaScript bridge
 * anyway, through the guard's own saved `__import__` (`sys.modules['_teamstream_sandbox']
 * ._real_import`), and then tries the host from there. The guard is not what stops these: what
 * `pyodide_js` is (a frozen stand-in with none of Pyodide's API, child.ts; every route to it is in
 * bridge-routes.spec.ts), and the outer walls (bubblewrap's own network and mount namespaces,
 * Node's permission model, the child's lock-down; spawn.ts) are. Each attempt must end as an
 * error result, the host listener or socket must have received nothing, and the pool must serve
 * the next run.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackListener } from '../../../test/support/engine/loopback-listener.js';
import { PythonSandbox } from './python-sandbox.js';
import { runPerTest } from '../../../test/support/engine/run-per-test.js';

const SLOW = 180_000;

let sandbox: PythonSandbox;
let scratch: string;

/** The bridge, reached past the guard: the prelude of every attempt below. */
const BRIDGE = `import sys\n    _imp = sys.modules["_teamstream_sandbox"]._real_import\n    pj = _imp("pyodide_js")\n`;

/** Each test is one run (test/support/engine/run-per-test.ts). */
const testRunSignal = runPerTest();

/** A FunctionTool call `attempt()` in `signal`'s run, by default the test's run. */
async function attempt(body: string, signal: AbortSignal = testRunSignal()) {
  return sandbox.callFunction(
    {
      toolKey: 'escape',
      imports: '',
      source: `def attempt() -> str:\n    ${BRIDGE}    ${body.trim().split('\n').join('\n    ')}\n`,
      function: 'attempt',
      args: {},
    },
    { signal },
  );
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'sandbox-escapes-'));
  sandbox = new PythonSandbox({ poolSize: 2, timeoutMs: 30_000, memoryMb: 192, maxOutputChars: 4_000, startTimeoutMs: SLOW });
  // The route itself is open (what this spec is about): the bridge object is reached.
  const first = new AbortController();
  try {
    await expect(attempt('return str(type(pj).__name__)', first.signal)).resolves.toEqual({ ok: true, text: 'JsProxy' });
  } finally {
    first.abort('Run ended');
  }
}, SLOW);

afterAll(async () => {
  await sandbox?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('escapes past the import guard', () => {
  it(
    'cannot reach a TCP listener on 127.0.0.1, nor make an HTTP request to it (it receives nothing)',
    async () => {
      const server = await loopbackListener();
      try {
        const attempts = [
          // Python's socket with the bridge loaded (Pyodide's Node socket layer).
          `ffi = _imp("pyodide.ffi")\nimport socket\nsocket.create_connection(("127.0.0.1", ${server.port}), timeout=5).sendall(b"x")\nreturn "connected"`,
          // JavaScript's fetch, through pyodide.http with the guard bypassed.
          `http = _imp("pyodide.http", fromlist=["pyfetch"])\nimport asyncio\nreturn str(asyncio.get_event_loop().run_until_complete(http.pyfetch("http://127.0.0.1:${server.port}/")))`,
          // JavaScript source through pyodide.code (needs eval: code from strings is refused).
          `code = _imp("pyodide.code", fromlist=["run_js"])\nreturn str(code.run_js("fetch('http://127.0.0.1:${server.port}/')"))`,
          // The JS Function constructor from any bridge object.
          `return str(pj.constructor.constructor("return globalThis")())`,
          // \`import js\` via the saved import: Python's js module is an empty object, not globalThis.
          `js = _imp("js")\nreturn str(js.fetch("http://127.0.0.1:${server.port}/"))`,
        ];
        for (const body of attempts) {
          const result = await attempt(body);
          expect(result, body).toMatchObject({ ok: false });
        }
        expect(await server.connections()).toBe(0);
      } finally {
        await server.close();
      }
    },
    SLOW,
  );

  it(
    'cannot reach a Unix socket the host listens on under /tmp (nothing arrives)',
    async () => {
      const socketPath = path.join(scratch, 'host.sock');
      const received: Socket[] = [];
      const server: Server = createServer((socket) => received.push(socket));
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      try {
        const attempts = [
          `import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\ns.connect(${JSON.stringify(socketPath)})\nreturn "connected"`,
          // The host's /tmp mounted into Pyodide's file system through Node's fs (NODEFS).
          `pj.mountNodeFS("/hosttmp", ${JSON.stringify(scratch)})\nimport os\nreturn str(os.listdir("/hosttmp"))`,
        ];
        for (const body of attempts) expect(await attempt(body), body).toMatchObject({ ok: false });
        // A connection made by the host now is accepted: the listener works, and nothing came before it.
        const probe = await new Promise<Socket>((resolve, reject) => {
          const client = connect(socketPath, () => resolve(client));
          client.once('error', reject);
        });
        const deadline = Date.now() + 10_000;
        while (received.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        probe.destroy();
        expect(received).toHaveLength(1);
      } finally {
        for (const s of received) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
    SLOW,
  );

  it(
    'cannot read /etc/hostname or a SQLite file of the host, even through a Node file system mount',
    async () => {
      const db = path.join(scratch, 'teamstream.db');
      writeFileSync(db, 'SQLite format 3\0secret rows');
      for (const [dir, file] of [
        ['/etc', 'hostname'],
        [scratch, 'teamstream.db'],
      ] as const) {
        // A mount point of its own per attempt: the attempts share the test's run (its process).
        const mounted = await attempt(
          `pj.mountNodeFS("/host-${file}", ${JSON.stringify(dir)})\nreturn open("/host-${file}/${file}", "rb").read().decode("latin-1")`,
        );
        expect(mounted).toMatchObject({ ok: false });
        expect(mounted.text).not.toContain('secret rows');
        const direct = await attempt(`return open(${JSON.stringify(path.join(dir, file))}, "rb").read().decode("latin-1")`);
        expect(direct).toMatchObject({ ok: false });
      }
      expect(existsSync(db)).toBe(true);
    },
    SLOW,
  );

  it(
    'a second run sees nothing a first run left, in Python or in JavaScript through the bridge',
    async () => {
      const first = new AbortController();
      const set = await attempt(
        'import builtins\nbuiltins.LEFT_BEHIND = "python"\njs = _imp("js")\njs.leftBehind = "javascript"\nreturn "set"',
        first.signal,
      );
      expect(set).toEqual({ ok: true, text: 'set' });
      // Within the run the state is there (a run keeps its process)...
      const same = await attempt(
        "import builtins\nreturn f\"{getattr(builtins, 'LEFT_BEHIND', None)} {getattr(_imp('js'), 'leftBehind', None)}\"",
        first.signal,
      );
      expect(same).toEqual({ ok: true, text: 'python javascript' });
      first.abort('Run ended');
      // ...and no other run (here the test's own) ever sees it.
      const second = await attempt("import builtins\nreturn f\"{getattr(builtins, 'LEFT_BEHIND', None)} {getattr(_imp('js'), 'leftBehind', None)}\"");
      expect(second).toEqual({ ok: true, text: 'None None' });
    },
    SLOW,
  );
});
