/**
 * How a sandbox process is started: which Node, which flags, what it may read. Kept apart from
 * the process handling so the flags can be read (and tested) on their own.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childScript, type ChildConfig } from './child.js';
import { PYTHON_RUNNER, RUNNER_MODULE } from './python-runner.js';

/** Where the `pyodide` package is installed (real path: the permission model compares real paths). */
export function pyodideDirectory(): string {
  const require = createRequire(import.meta.url);
  return realpathSync(dirname(require.resolve('pyodide/package.json')));
}

export interface SandboxLimits {
  /** Cap of the interpreter's WebAssembly memory (Python's heap), in MiB. */
  memoryMb: number;
  /** Cap of the child's JavaScript heap, in MiB (Pyodide's JS side needs ~30). */
  jsHeapMb: number;
}

export interface SpawnSpec {
  command: string;
  args: string[];
}

/**
 * `node` with Node's permission model (file reads limited to the Pyodide folder; no writes, no
 * child processes, no workers, no native addons), V8 caps on the JS heap and on WebAssembly
 * memory, no code generation from strings, and the child script given inline (no entry file).
 */
export function sandboxSpawnSpec(limits: SandboxLimits, pyodideDir: string = pyodideDirectory()): SpawnSpec {
  const config: ChildConfig = {
    pyodideUrl: pathToFileURL(join(pyodideDir, 'pyodide.mjs')).href,
    indexPath: `${pyodideDir}/`,
    runner: PYTHON_RUNNER,
    runnerModule: RUNNER_MODULE,
  };
  // Node 20 spells it --experimental-permission and needs a wildcard for a folder's contents;
  // newer Node spells it --permission and a folder covers its contents.
  const stable = process.allowedNodeEnvironmentFlags.has('--permission');
  const permission = stable
    ? ['--permission', `--allow-fs-read=${pyodideDir}`]
    : ['--experimental-permission', `--allow-fs-read=${join(pyodideDir, '*')}`];
  const wasmPages = Math.max(1, Math.floor((limits.memoryMb * 1024 * 1024) / 65536));
  return {
    command: process.execPath,
    args: [
      ...permission,
      '--no-warnings',
      `--max-old-space-size=${limits.jsHeapMb}`,
      `--wasm-max-mem-pages=${wasmPages}`,
      // Memory per process (bench/README.md): Liftoff only (no optimising compiler: ~30 MB less),
      // a small young generation and one GC thread (~20 MB less).
      '--liftoff-only',
      '--max-semi-space-size=1',
      '--single-threaded-gc',
      '--disallow-code-generation-from-strings',
      // Lets the child drop a discarded interpreter's memory at once (see child.ts, replace()).
      '--expose-gc',
      '--input-type=module',
      '--eval',
      childScript(config),
    ],
  };
}
