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
import type { PyodideAPI, loadPyodide } from 'pyodide';

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
 * Loads Pyodide, installs the runner, snapshots the interpreter's memory, then serves requests
 * (JSON lines on stdin, replies on stdout) one at a time. An interpreter that ran code for one
 * session is discarded before another session's call: the next one is restored from the
 * snapshot, a new WebAssembly instance whose state is exactly the start-up state.
 */
export async function sandboxMain(config: ChildConfig, importPyodide: (url: string) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const output = process.stdout;
  const send = (message: object): void => {
    output.write(`${JSON.stringify(message)}\n`);
  };

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
  const stdoutSink = sink('stdout');
  const stderrSink = sink('stderr');

  interface Interpreter {
    py: PyodideAPI;
    handle: ((message: string) => Promise<string>) & { destroy(): void };
    /** The session whose code it has run; null while fresh. */
    session: string | null;
  }

  // Every interpreter instantiates the same WebAssembly binary: compile it once, reuse the module.
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<unknown>;
  // (Recognised by size and its first and last 4 KiB; the binary itself is not kept.)
  let compiled: { size: number; head: Uint8Array; tail: Uint8Array; module: WebAssembly.Module } | undefined;
  const view = (source: BufferSource) =>
    ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
  const equal = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
  Object.defineProperty(WebAssembly, 'instantiate', {
    value: async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
      if (source instanceof WebAssembly.Module) return instantiate(source, imports);
      const bytes = view(source);
      if (
        compiled &&
        compiled.size === bytes.byteLength &&
        equal(compiled.head, bytes.subarray(0, 4096)) &&
        equal(compiled.tail, bytes.subarray(-4096))
      ) {
        return { instance: await instantiate(compiled.module, imports), module: compiled.module };
      }
      const result = (await instantiate(source, imports)) as { instance: WebAssembly.Instance; module: WebAssembly.Module };
      if (bytes.byteLength > 1_000_000)
        compiled = { size: bytes.byteLength, head: bytes.slice(0, 4096), tail: bytes.slice(-4096), module: result.module };
      return result;
    },
  });
  let load: typeof loadPyodide;
  let snapshot: Uint8Array;
  const base = {
    indexURL: config.indexPath,
    // Python's `js` module is this empty object, not globalThis.
    jsglobals: Object.create(null) as object,
    env: { HOME: '/home/pyodide' },
    stdout: () => undefined,
    stderr: () => undefined,
  };
  const adopt = (py: PyodideAPI): Interpreter => {
    py.setStdout(stdoutSink);
    py.setStderr(stderrSink);
    const runner = py.pyimport(config.runnerModule) as { handle: { copy(): Interpreter['handle'] }; destroy(): void };
    // An attribute proxy dies with its owner: keep a copy of it, drop the module's proxy.
    const handle = runner.handle.copy();
    runner.destroy();
    return { py, handle, session: null };
  };
  const fresh = async (): Promise<Interpreter> => adopt(await load({ ...base, _loadSnapshot: snapshot }));

  let current: Interpreter;
  try {
    load = ((await importPyodide(config.pyodideUrl)) as { loadPyodide: typeof loadPyodide }).loadPyodide;
    const py = await load({ ...base, _makeSnapshot: true });
    py.runPython(
      `import sys, types\n_m = types.ModuleType(${JSON.stringify(config.runnerModule)})\nexec(compile(${JSON.stringify(config.runner)}, "<${config.runnerModule}>", "exec"), _m.__dict__)\nsys.modules[_m.__name__] = _m\ndel _m, sys, types\n`,
    );
    snapshot = py.makeMemorySnapshot();
    current = adopt(py);
  } catch (error) {
    send({ t: 'fatal', message: `the Python sandbox failed to start: ${error instanceof Error ? error.message : JSON.stringify(error)}` });
    process.exit(1);
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  const replace = async (): Promise<void> => {
    try {
      current.handle.destroy();
    } catch {
      // A fatally failed interpreter may refuse even this; it is dropped either way.
    }
    // Let the old interpreter go before the new one is made, so the two never add up.
    current = {
      py: undefined as unknown as PyodideAPI,
      handle: Object.assign(() => Promise.reject(new Error('no interpreter')), { destroy() {} }),
      session: null,
    };
    gc?.();
    current = await fresh();
    // Collect what the restore left behind once the reply is out (off the call's critical path).
    setImmediate(() => gc?.());
  };

  const onCall = async (request: { id: number; session: string; kind: 'function' | 'code'; maxOutputChars: number }): Promise<void> => {
    if (current.session !== null && current.session !== request.session) await replace();
    current.session = request.session;
    captured.stdout = '';
    captured.stderr = '';
    captured.limit = request.maxOutputChars;
    let reply: { ok?: boolean; text?: string; exitCode?: number };
    try {
      reply = JSON.parse(await current.handle(JSON.stringify(request))) as typeof reply;
    } catch (error) {
      // The interpreter itself failed (a fatal Pyodide error): report it and start a fresh one.
      const message = error instanceof Error ? error.message.split('\n').filter(Boolean).slice(-1)[0] : String(error);
      reply = request.kind === 'function' ? { ok: false, text: `Error: the Python interpreter failed: ${message}` } : { exitCode: 1 };
      if (request.kind === 'code') captured.stderr += `The Python interpreter failed: ${message}\n`;
      current.session = null;
      await replace();
    }
    if (request.kind === 'function') {
      send({ t: 'result', id: request.id, kind: 'function', ok: reply.ok === true, text: String(reply.text ?? '') });
      return;
    }
    const all = captured.stderr + captured.stdout;
    const limit = request.maxOutputChars;
    const text = all.length <= limit ? all : `${all.slice(0, limit)}\n...(output truncated to ${limit} characters)`;
    send({ t: 'result', id: request.id, kind: 'code', exitCode: reply.exitCode ?? 1, output: text });
  };

  const onReset = async (): Promise<void> => {
    const t0 = performance.now();
    if (current.session !== null) await replace();
    send({ t: 'reset-done', ms: performance.now() - t0 });
  };

  // One request at a time, in order.
  let queue = Promise.resolve();
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      queue = queue
        .then(async () => {
          const request = JSON.parse(line) as { t: string } & Parameters<typeof onCall>[0];
          if (request.t === 'call') await onCall(request);
          else if (request.t === 'reset') await onReset();
        })
        .catch((error: unknown) => {
          // Only a broken request or a broken runtime gets here: say so and let the server replace us.
          send({ t: 'fatal', message: error instanceof Error ? error.message : String(error) });
          process.exit(1);
        });
    }
  });
  // The server went away (or closed our stdin): so do we.
  process.stdin.on('end', () => void queue.finally(() => process.exit(0)));
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
