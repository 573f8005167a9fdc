/**
 * The sandbox process's code. It is not a module the child imports: `childScript()` turns the two
 * functions below into the text of `node --input-type=module --eval …`, so
 *  - the same code runs under Vitest (from src/, compiled by SWC) and from dist/ (compiled by
 *    tsc): Node 20 cannot run a .ts file, and the build emits only .ts sources, so a .mjs entry
 *    would not reach dist/ without changing the build;
 *  - the child needs no entry file at all: Node's permission model lets it read the Pyodide
 *    folder and nothing else.
 * Both functions must therefore be self-contained: no reference to anything outside their own
 * bodies (imports, module constants), no `import()` (Vite rewrites it); builtins come from
 * `process.getBuiltinModule`. child.spec.ts checks this.
 */
import type { loadPyodide } from 'pyodide';

/** What the server tells the child at start (its first argument, JSON). */
export interface ChildConfig {
  /** file: URL of pyodide.mjs. */
  pyodideUrl: string;
  /** The Pyodide folder (indexURL). */
  indexPath: string;
  /** Python source of the runner module, and its name. */
  runner: string;
  runnerModule: string;
}

/**
 * Closes everything in this process that reaches outside it, before any Python runs: networking
 * (TCP, TLS, HTTP, HTTP/2, UDP, DNS, fetch, the inspector's port), signalling other processes,
 * native addons and internal bindings. Node's permission model (flags set by the parent) closes
 * the file system (read: the Pyodide folder only; no writes), child processes and workers.
 * Each replaced function throws; the originals are not kept anywhere a script could find them.
 */
export function lockDown(): void {
  const refuse = (what: string) =>
    function refused(): never {
      throw new Error(`${what} is disabled in the Python sandbox`);
    };
  const seal = (target: object | undefined, names: readonly string[], what: string): void => {
    if (!target) return;
    for (const name of names) {
      if (typeof (target as Record<string, unknown>)[name] !== 'function') continue;
      Object.defineProperty(target, name, { value: refuse(`${what} (${name})`), writable: false, configurable: false });
    }
  };
  type Exports = Record<string, unknown>;
  const builtin = (id: string) => process.getBuiltinModule(id) as Exports;
  const prototypeOf = (exports: unknown, name: string) => ((exports as Exports | undefined)?.[name] as { prototype?: object } | undefined)?.prototype;
  const fsConstants = builtin('node:fs').constants as object;
  const osConstants = builtin('node:os').constants as object;

  // Pyodide's start-up reads process.binding('constants'), which the permission model denies:
  // answer that one name with the public constants and refuse the rest.
  const binding = (name: string): object => {
    if (name === 'constants') return { fs: fsConstants, os: osConstants };
    throw new Error(`process.binding('${name}') is disabled in the Python sandbox`);
  };
  Object.defineProperty(process, 'binding', { value: binding, writable: false, configurable: false });
  seal(
    process,
    ['_linkedBinding', 'dlopen', 'kill', '_kill', '_debugProcess', '_debugEnd', 'setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups'],
    'process control',
  );
  seal(process.report as object, ['writeReport'], 'writing a report');

  const network = 'networking';
  const net = builtin('node:net');
  seal(net, ['connect', 'createConnection', 'createServer'], network);
  seal(prototypeOf(net, 'Socket'), ['connect'], network);
  seal(prototypeOf(net, 'Server'), ['listen'], network);
  seal(builtin('node:tls'), ['connect', 'createServer'], network);
  for (const id of ['node:http', 'node:https']) seal(builtin(id), ['request', 'get', 'createServer'], network);
  seal(builtin('node:http2'), ['connect', 'createServer', 'createSecureServer'], network);
  const dgram = builtin('node:dgram');
  seal(dgram, ['createSocket'], network);
  seal(prototypeOf(dgram, 'Socket'), ['bind', 'connect', 'send'], network);
  const lookups = [
    'lookup',
    'lookupService',
    'reverse',
    'resolve',
    'resolve4',
    'resolve6',
    'resolveAny',
    'resolveCaa',
    'resolveCname',
    'resolveMx',
    'resolveNaptr',
    'resolveNs',
    'resolvePtr',
    'resolveSoa',
    'resolveSrv',
    'resolveTxt',
  ];
  const dns = builtin('node:dns');
  const dnsPromises = dns.promises as Exports;
  for (const target of [dns, dnsPromises, prototypeOf(dns, 'Resolver'), prototypeOf(dnsPromises, 'Resolver')])
    seal(target, lookups, 'name resolution');
  const inspector = builtin('node:inspector');
  seal(inspector, ['open'], 'the inspector');
  seal(prototypeOf(inspector, 'Session'), ['connect', 'connectToMainThread'], 'the inspector');
  const childProcess = builtin('node:child_process');
  seal(childProcess, ['spawn', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'starting processes');
  // Pyodide's os.system() calls spawnSync and reads its status: answer "not permitted" (126)
  // so Python sees a failed command rather than the whole interpreter failing.
  const notPermitted = () => ({
    pid: 0,
    output: [null, null, null],
    stdout: null,
    stderr: null,
    status: 126,
    signal: null,
    error: new Error('starting processes is disabled in the Python sandbox'),
  });
  Object.defineProperty(childProcess, 'spawnSync', { value: notPermitted, writable: false, configurable: false });
  for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest']) {
    Reflect.deleteProperty(globalThis, name);
  }
  // ESM imports of node:net & co. see the sealed functions too.
  (builtin('node:module').syncBuiltinESMExports as () => void)();
}

/**
 * Loads Pyodide, installs the runner, then serves requests (JSON lines read from fd 0, replies
 * written to fd 1) one at a time. A process serves one run only: the server kills it when the run
 * ends, and a call of another session is refused as a broken request (the process then exits).
 *
 * The wire is read and written with `fs` on the raw descriptors, and `process.stdin`,
 * `process.stdout` and `process.stderr` are replaced with plain in-memory streams before any
 * Python runs: no stdio pipe becomes a libuv handle object that a script could take the
 * constructor of (a Pipe can bind and connect Unix sockets). The OS wall (spawn.ts) is what keeps
 * such a handle harmless if one is made anyway.
 */
export async function sandboxMain(config: ChildConfig, importPyodide: (url: string) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const stream = process.getBuiltinModule('node:stream') as typeof import('node:stream');
  const send = (message: object): void => {
    const bytes = Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += fs.writeSync(1, bytes, offset);
      } catch (error) {
        // The pipe is full (EAGAIN): the server is reading; try again.
        if ((error as { code?: string }).code !== 'EAGAIN') throw error;
      }
    }
  };
  for (const name of ['stdin', 'stdout', 'stderr'] as const) {
    const replacement =
      name === 'stdin'
        ? stream.Readable.from([])
        : new stream.Writable({
            write(_chunk: unknown, _encoding: unknown, callback: () => void) {
              callback();
            },
          });
    Object.defineProperty(process, name, { value: replacement, writable: false, configurable: false });
  }

  /** What Python writes to fd 1 and 2 during a call, kept up to the call's limit. */
  const captured = { stdout: '', stderr: '', limit: 0 };
  const sink = (key: 'stdout' | 'stderr') => {
    const decoder = new TextDecoder();
    return {
      write(bytes: Uint8Array): number {
        if (captured[key].length <= captured.limit) captured[key] += decoder.decode(bytes, { stream: true });
        return bytes.length;
      },
    };
  };

  let handle: (message: string) => Promise<string>;
  try {
    const load = ((await importPyodide(config.pyodideUrl)) as { loadPyodide: typeof loadPyodide }).loadPyodide;
    const py = await load({
      indexURL: config.indexPath,
      // Python's `js` module is this empty object, not globalThis.
      jsglobals: Object.create(null) as object,
      env: { HOME: '/home/pyodide' },
      stdout: () => undefined,
      stderr: () => undefined,
    });
    py.setStdout(sink('stdout'));
    py.setStderr(sink('stderr'));
    py.runPython(
      `import sys, types\n_m = types.ModuleType(${JSON.stringify(config.runnerModule)})\nexec(compile(${JSON.stringify(config.runner)}, "<${config.runnerModule}>", "exec"), _m.__dict__)\nsys.modules[_m.__name__] = _m\ndel _m, sys, types\n`,
    );
    const runner = py.pyimport(config.runnerModule) as { handle: { copy(): typeof handle }; destroy(): void };
    // An attribute proxy dies with its owner: keep a copy of it, drop the module's proxy.
    handle = runner.handle.copy();
    runner.destroy();
    // Python's `pyodide_js` module is Pyodide's whole API (its file system with NODEFS, the
    // Emscripten module, Node socket set-up, runPython, loaders), and no import guard in Python
    // can keep Python from it: importlib's internals, find_spec, frames, the gc and ctypes all
    // reach it. So it is replaced with the little Pyodide's own Python modules read from it
    // after start-up (the event loop's scheduleCallback, asyncio.run's enableRunUntilComplete),
    // frozen, without prototypes; and every module or loader that held the real one is dropped.
    const internal = (py as unknown as { _api: { config: { enableRunUntilComplete?: boolean }; scheduleCallback: unknown } })._api;
    const bare = <T extends object>(fields: T): T => Object.freeze(Object.assign(Object.create(null) as T, fields));
    py.unregisterJsModule('pyodide_js');
    py.registerJsModule(
      'pyodide_js',
      bare({
        _api: bare({
          config: bare({ enableRunUntilComplete: internal.config.enableRunUntilComplete === true }),
          scheduleCallback: internal.scheduleCallback,
        }),
      }),
    );
    // The modules made from the real one (`pyodide_js`, `pyodide_js._api`, imported by Pyodide's
    // start-up) live on after they leave sys.modules (the JavaScript side holds them), and the gc
    // finds their attribute dicts, whose loader holds the real API: empty the loaders. Found from
    // sys.modules, not by a scan of the gc's objects (~2 s at start-up here).
    py.runPython(
      [
        'import sys',
        'for _n in [n for n in sys.modules if n == "pyodide_js" or n.startswith("pyodide_js.")]:',
        '    _m = sys.modules.pop(_n)',
        '    for _l in {getattr(_m, "__loader__", None), getattr(getattr(_m, "__spec__", None), "loader", None)}:',
        '        if hasattr(_l, "jsproxy"):',
        '            _l.jsproxy = None',
        '[globals().pop(k, None) for k in ("_n", "_m", "_l")]',
      ].join('\n'),
    );
  } catch (error) {
    send({ t: 'fatal', message: `the Python sandbox failed to start: ${error instanceof Error ? error.message : JSON.stringify(error)}` });
    process.exit(1);
  }

  /** The one run (session) this process serves; set by its first call. */
  let owner: string | null = null;
  const onCall = async (request: { id: number; session: string; kind: 'function' | 'code'; maxOutputChars: number }): Promise<void> => {
    owner ??= request.session;
    if (request.session !== owner) throw new Error('a call of another run reached a used sandbox process');
    captured.stdout = '';
    captured.stderr = '';
    captured.limit = request.maxOutputChars;
    let reply: { ok?: boolean; text?: string; exitCode?: number };
    let broken = false;
    try {
      reply = JSON.parse(await handle(JSON.stringify(request))) as typeof reply;
    } catch (error) {
      // The interpreter itself failed (a fatal Pyodide error): report it; this process is done.
      const message = error instanceof Error ? error.message.split('\n').filter(Boolean).slice(-1)[0] : String(error);
      reply = request.kind === 'function' ? { ok: false, text: `Error: the Python interpreter failed: ${message}` } : { exitCode: 1 };
      if (request.kind === 'code') captured.stderr += `The Python interpreter failed: ${message}\n`;
      broken = true;
    }
    if (request.kind === 'function') {
      send({ t: 'result', id: request.id, kind: 'function', ok: reply.ok === true, text: String(reply.text ?? '') });
    } else {
      const all = captured.stderr + captured.stdout;
      const limit = request.maxOutputChars;
      const text = all.length <= limit ? all : `${all.slice(0, limit)}\n...(output truncated to ${limit} characters)`;
      send({ t: 'result', id: request.id, kind: 'code', exitCode: reply.exitCode ?? 1, output: text });
    }
    if (broken) process.exit(1);
  };

  // One request at a time, in order.
  let queue = Promise.resolve();
  let pending = '';
  const decoder = new TextDecoder();
  const buffer = Buffer.alloc(65_536);
  const onLine = (line: string) => {
    queue = queue
      .then(async () => {
        const request = JSON.parse(line) as { t: string } & Parameters<typeof onCall>[0];
        if (request.t !== 'call') throw new Error(`unknown request ${String(request.t)}`);
        await onCall(request);
      })
      .catch((error: unknown) => {
        // Only a broken request or a broken runtime gets here: say so and let the server replace us.
        send({ t: 'fatal', message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      });
  };
  // fs.read on fd 0 runs in libuv's thread pool: the event loop (Python's async calls) keeps going.
  const readMore = (): void => {
    fs.read(0, buffer, 0, buffer.length, null, (error, bytes) => {
      // The server went away (or closed our stdin): so do we.
      if (error || bytes === 0) {
        void queue.finally(() => process.exit(0));
        return;
      }
      pending += decoder.decode(buffer.subarray(0, bytes), { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        onLine(line);
      }
      readMore();
    });
  };
  readMore();
  send({ t: 'ready', startMs: performance.now() - started });
}

/**
 * The text of the child's `--eval` script: lock down, then load Pyodide and serve. The config is
 * part of the script, not an argument: Emscripten takes `process.argv[1]` as the program's path.
 */
export function childScript(config: ChildConfig): string {
  return [
    `const lockDown = ${lockDown.toString()};`,
    `const sandboxMain = ${sandboxMain.toString()};`,
    'lockDown();',
    `await sandboxMain(${JSON.stringify(config)}, (url) => import(url));`,
  ].join('\n');
}
