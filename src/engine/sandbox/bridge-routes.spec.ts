/**
 * Routes from Python to Pyodide's JavaScript side (issue #13, the review's `pyodide_js` →
 * globalThis report), tried from Python in the real sandbox. CPython cannot keep Python from its
 * own loaded modules, so the import guard alone does not hold: importlib's internals, find_spec,
 * the finder's table, frames, the gc all reach a `pyodide_js` module. What holds is what that
 * module is: child.ts replaces Pyodide's API there with a frozen object carrying only what
 * Pyodide's own Python reads after start-up, and empties every module and loader that held the
 * real one. Each route below takes whatever it reaches and tries to use it (`use()`): it must
 * find nothing of the API (file system, NODEFS mounts, Node sockets, runPython, loaders, the
 * Emscripten module, `process`, globalThis), so every call ends as an error result.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PythonSandbox } from './python-sandbox.js';

const SLOW = 180_000;

let sandbox: PythonSandbox;
let testRun: AbortController;

beforeAll(() => {
  sandbox = new PythonSandbox({ poolSize: 1, timeoutMs: 30_000, memoryMb: 192, maxOutputChars: 4_000, startTimeoutMs: SLOW });
});

afterAll(async () => {
  await sandbox?.close();
});

// One run per test, as a team run's tool calls are: one process start for all the routes.
beforeEach(() => {
  testRun = new AbortController();
});

afterEach(() => {
  testRun.abort('Run ended');
});

/**
 * Python prelude of every attempt: `use(candidates)` returns "REACHED …" for the first object
 * that offers any of Pyodide's API or the host's JavaScript globals, and raises otherwise.
 */
const USE = String.raw`
import sys, gc, importlib, builtins
DANGEROUS = ("_module", "FS", "NODEFS", "mountNodeFS", "mountNativeFS", "useNodeSockFS", "runPython", "runPythonAsync",
             "pyimport", "registerJsModule", "unregisterJsModule", "loadPackage", "loadBinaryFile", "initializeNodeSockFS",
             "runPythonInternal", "_nodeSock", "jsglobals", "process", "globalThis", "global", "require", "fetch", "setTimeout",
             "Function", "eval", "WebAssembly", "Buffer")
def use(*candidates):
    seen = set()
    def look(value, where, depth=0):
        if value is None or depth > 3 or id(value) in seen:
            return None
        seen.add(id(value))
        if not type(value).__name__.startswith("Js"):
            return None
        try:
            names = dir(value)
        except Exception:
            return None
        for name in DANGEROUS:
            if name in names:
                return f"REACHED {where}.{name}"
        for name in ("_api", "config", "constructor", "__proto__"):
            if name in names:
                try:
                    found = look(getattr(value, name), f"{where}.{name}", depth + 1)
                except Exception:
                    found = None
                if found:
                    return found
        return None
    for index, candidate in enumerate(candidates):
        found = look(candidate, f"candidate{index}")
        if found:
            return found
    raise LookupError(f"nothing of Pyodide's API or the host's globals in {len(candidates)} object(s)")
`;

async function attempt(body: string, timeoutMs?: number) {
  const source = `${USE}\ndef attempt() -> str:\n    ${body.trim().split('\n').join('\n    ')}\n`;
  return sandbox.callFunction(
    { toolKey: `route-${body.length}-${body.slice(0, 40)}`, imports: '', source, function: 'attempt', args: {} },
    { signal: testRun.signal, ...(timeoutMs ? { timeoutMs } : {}) },
  );
}

/** [route, Python body ending in `return use(...)`]. */
const ROUTES: [string, string][] = [
  ['import pyodide_js', 'import pyodide_js\nreturn use(pyodide_js)'],
  ['__import__ with fromlist', 'return use(__import__("pyodide_js", fromlist=["_api"]))'],
  ['importlib.import_module', 'return use(importlib.import_module("pyodide_js"))'],
  ['importlib._bootstrap._gcd_import', 'import importlib._bootstrap as b\nreturn use(b._gcd_import("pyodide_js"), b._gcd_import("js"))'],
  ['importlib._bootstrap.__import__', 'import importlib._bootstrap as b\nreturn use(b.__import__("pyodide_js"))'],
  [
    'importlib.util.find_spec + module_from_spec + exec_module',
    'import importlib.util as u\nspec = u.find_spec("pyodide_js")\nm = u.module_from_spec(spec)\nspec.loader.exec_module(m)\nreturn use(m, getattr(spec.loader, "jsproxy", None))',
  ],
  [
    'sys.meta_path finders called directly',
    'import importlib.util as u\nfound = []\nfor f in sys.meta_path:\n    s = f.find_spec("pyodide_js", None) if hasattr(f, "find_spec") else None\n    if s is not None:\n        found.append(u.module_from_spec(s))\nreturn use(*found)',
  ],
  [
    'sys.meta_path replaced by the JS finder alone',
    'import importlib._bootstrap as b\nfinder = sys.modules["_pyodide._importhook"].jsfinder\nsaved = sys.meta_path[:]\nsys.meta_path[:] = [finder]\ntry:\n    return use(b._gcd_import("pyodide_js._api"))\nfinally:\n    sys.meta_path[:] = saved',
  ],
  ["the JS finder's table", 'return use(*sys.modules["_pyodide._importhook"].jsfinder.jsproxies.values())'],
  ["the guard's saved __import__ (sys.modules)", 'return use(sys.modules["_teamstream_sandbox"]._real_import("pyodide_js"))'],
  ["the guard's saved __import__ (__import__.__globals__)", 'return use(__import__.__globals__["_real_import"]("pyodide_js"))'],
  [
    'builtins.__import__ replaced with importlib._bootstrap.__import__',
    'import importlib._bootstrap as b\nsaved = builtins.__import__\nbuiltins.__import__ = b.__import__\ntry:\n    import pyodide_js\nfinally:\n    builtins.__import__ = saved\nreturn use(pyodide_js)',
  ],
  [
    "frames: every caller's globals (sys._getframe().f_back…)",
    'found = []\nf = sys._getframe()\nwhile f is not None:\n    found += [v for v in f.f_globals.values() if type(v).__name__.startswith("Js")]\n    imp = f.f_globals.get("_real_import")\n    if imp:\n        found.append(imp("pyodide_js"))\n    f = f.f_back\nreturn use(*found)',
  ],
  [
    'gc.get_objects(): every JsProxy, every dict value, every JsLoader',
    'found = []\nfor o in gc.get_objects():\n    if type(o).__name__.startswith("Js"):\n        found.append(o)\n        found.append(getattr(o, "jsproxy", None))\n    if isinstance(o, dict):\n        found += [v for v in list(o.values()) if type(v).__name__.startswith("Js")]\nreturn use(*found)',
  ],
  [
    "Pyodide's own modules (_pyodide_core, _pyodide._base, pyodide.ffi, pyodide.webloop, …) and their attributes",
    'found = []\nfor name, m in list(sys.modules.items()):\n    if "pyodide" in name or name == "js":\n        found.append(m)\n        found += [getattr(m, a, None) for a in dir(m)]\nreturn use(*found)',
  ],
  ["__builtins__'s entries", 'return use(*vars(builtins).values())'],
  [
    'the js module and its attributes',
    'import importlib._bootstrap as b\njs = b._gcd_import("js")\nreturn use(js, *[getattr(js, a, None) for a in ("process", "globalThis", "fetch", "require", "constructor")])',
  ],
  ['pyodide.code.run_js (JavaScript source from Python)', 'return use(sys.modules["pyodide.code"].run_js("globalThis"))'],
  [
    "a JS error's constructor chain: Error.prepareStackTrace → CallSite.getThis/getFunction",
    [
      'ffi = sys.modules["pyodide.ffi"]',
      'arr = ffi.to_js([])',
      'try:',
      '    getattr(arr.constructor, "from")(None)',
      '    raise LookupError("no error")',
      'except ffi.JsException as e:',
      '    err = e.js_error',
      'Error = err.constructor.__proto__',
      'found = []',
      'def prepare(error, callsites):',
      '    for cs in callsites:',
      '        found.append(cs.getThis())',
      '        found.append(cs.getFunction())',
      '    return "stack"',
      'proxy = ffi.create_proxy(prepare)',
      'Error.prepareStackTrace = proxy',
      'try:',
      '    Error.new("x").stack',
      'finally:',
      '    Error.prepareStackTrace = None',
      'if not found:',
      '    raise LookupError("V8 did not call prepareStackTrace")',
      'return use(*found)',
    ].join('\n'),
  ],
];

/**
 * Routes that may leave their own process unusable (a reloaded `pyodide` replaces the event loop;
 * a JavaScript exception thrown through C may wedge the interpreter): each runs in a run of its
 * own, with a short limit; a time-out is a safe failure too (the process is killed, the pool
 * carries on).
 */
const OWN_RUN_ROUTES: [string, string][] = [
  [
    'sys.modules re-insertion, then importlib.reload',
    'import importlib._bootstrap as b\nm = b._gcd_import("pyodide_js")\nsys.modules["pyodide_js"] = m\nreturn use(importlib.reload(m), importlib.reload(sys.modules["pyodide"]))',
  ],
  [
    'ctypes: emscripten_run_script_string (JavaScript source through C)',
    'import ctypes\nlib = ctypes.CDLL(None)\nf = lib.emscripten_run_script_string\nf.restype = ctypes.c_char_p\nreturn "REACHED " + str(f(b"JSON.stringify(Object.keys(process.env))"))',
  ],
];

describe('routes from Python to Pyodide’s JavaScript side', () => {
  it(
    `none of ${ROUTES.length} routes reaches Pyodide's API or the host's globals`,
    async () => {
      const outcomes: Record<string, { ok: boolean; text: string }> = {};
      for (const [route, body] of ROUTES) {
        outcomes[route] = await attempt(body).catch((error: Error) => ({ ok: false, text: `${error.name}: ${error.message}` }));
      }
      // A route may also end in an error of its own (blocked import, no such attribute, a frozen object).
      const reached = Object.entries(outcomes).filter(([, outcome]) => outcome.ok || outcome.text.includes('REACHED'));
      expect(reached).toEqual([]);
      // The process is fine afterwards: the next call works.
      await expect(attempt('return "still here"')).resolves.toEqual({ ok: true, text: 'still here' });
    },
    SLOW,
  );

  it.each(OWN_RUN_ROUTES)(
    '%s reaches nothing, and the pool serves the next run',
    async (_route, body) => {
      const outcome = await attempt(body, 10_000).catch((error: Error) => ({ ok: false, text: `${error.name}: ${error.message}` }));
      expect(outcome.ok).toBe(false);
      expect(outcome.text).not.toContain('REACHED');
      testRun.abort('Run ended');
      testRun = new AbortController();
      await expect(attempt('return "next run"')).resolves.toEqual({ ok: true, text: 'next run' });
    },
    SLOW,
  );

  it(
    'Pyodide still works for what its own Python reads from pyodide_js (asyncio, the event loop)',
    async () => {
      const asyncTool = await sandbox.callFunction(
        {
          toolKey: 'async-tool',
          imports: 'import asyncio',
          source: 'async def wait() -> str:\n    await asyncio.sleep(0.01)\n    return "awaited"\n',
          function: 'wait',
          args: {},
        },
        { signal: testRun.signal },
      );
      expect(asyncTool).toEqual({ ok: true, text: 'awaited' });
    },
    SLOW,
  );
});
