/**
 * How a sandbox process is started: which Node, which flags, what it may see. Kept apart from
 * the process handling so the command line can be read (and tested) on its own.
 *
 * Two walls, outside in (README, "Python tools: the sandbox"):
 *  1. the operating system's: bubblewrap (`bwrap`) starts Node in new network, pid, ipc, uts,
 *     user and mount namespaces, as uid/gid 65534 with every capability dropped, in a new session,
 *     with an empty environment and Node as the namespace's pid 1 (no bubblewrap init there, whose
 *     /proc/1/environ would hold bubblewrap's own environment), killed when the server goes
 *     (--die-with-parent); the only files
 *     it sees are read-only binds of the Node binary, the system's shared libraries and the
 *     Pyodide folder (no /run, /tmp, /var, /home, /etc, no repository): so no host Unix socket
 *     exists for it and its only network interface is its own empty loopback;
 *  2. Node's: the permission model (file reads of the Pyodide folder only, no writes, no child
 *     processes, no workers, no addons), V8's caps on the JS heap and WebAssembly memory, and
 *     the child's own lock-down of networking (child.ts).
 * Wall 2 is what Pyodide's `js` bridge could reach past; wall 1 is what it cannot.
 * outer-wall.spec.ts proves wall 1 on its own (`bubblewrapArgs` around plain Node).
 */
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
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

/** The text of the error every Python call gets when bubblewrap is missing (README, "Python tools"). */
export const BUBBLEWRAP_MISSING =
  'the Python sandbox is unavailable: bubblewrap (the `bwrap` command) is not installed on the server, and Python tools never run without it; the operator installs it (Debian: apt-get install bubblewrap, or scripts/ensure-bubblewrap.sh)';

/**
 * The `bwrap` executable: `explicit` when given, else the first `bwrap` on `searchPath`
 * (the server's PATH, then /usr/bin and /bin). Undefined when there is none.
 */
export function findBubblewrap(explicit?: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  const candidates = explicit ? [explicit] : [...searchPath.split(delimiter).filter(Boolean), '/usr/bin', '/bin'].map((dir) => join(dir, 'bwrap'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Read-only binds (and symlinks) that let the Node binary start: the binary itself and the folders
 * of shared libraries (/usr/lib, /usr/lib64; /lib and /lib64 as the host has them, usually
 * symlinks into /usr). Nothing else of the host's file system is visible.
 */
function runtimeMounts(node: string): string[] {
  // The library folders always (libc is there on a merged-/usr host, also when node is inside one),
  // node itself after them (bwrap applies binds in order; a later one may sit inside an earlier one).
  const args: string[] = [];
  for (const dir of ['/usr/lib', '/usr/lib64', '/usr/lib32']) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  for (const dir of ['/lib', '/lib64', '/lib32']) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  args.push('--ro-bind', node, node);
  return args;
}

/**
 * The OS wall alone: bubblewrap's arguments up to and including its `--`, after which the caller
 * puts the command to run inside (the sandbox puts Node with its own flags; the outer-wall spec
 * puts plain Node, to prove this wall holds by itself). See the file's comment for what each part
 * keeps out. `node` is the real path of the Node binary, bound read-only with the shared
 * libraries; `pyodideDir` is bound read-only too.
 */
export function bubblewrapArgs(node: string, pyodideDir: string): string[] {
  return [
    // Network, pid, ipc, uts, user, cgroup and mount namespaces: an own loopback only, no host
    // process to signal, no host abstract Unix socket (those live in the network namespace).
    '--unshare-all',
    // Node is the namespace's pid 1, not a bubblewrap init: that init keeps the environment
    // bubblewrap was started with, readable in /proc/1/environ (the outer-wall spec found it).
    '--as-pid-1',
    '--die-with-parent',
    // No controlling terminal to push input into (TIOCSTI).
    '--new-session',
    '--cap-drop',
    'ALL',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'sandbox',
    '--clearenv',
    ...runtimeMounts(node),
    '--ro-bind',
    pyodideDir,
    pyodideDir,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--chdir',
    '/',
    '--',
  ];
}

/**
 * `bwrap … node …`: the OS wall (see the file's comment) around Node with its permission model
 * (file reads limited to the Pyodide folder; no writes, no child processes, no workers, no native
 * addons), V8 caps on the JS heap and on WebAssembly memory, no code generation from strings, and
 * the child script given inline (no entry file).
 */
export function sandboxSpawnSpec(limits: SandboxLimits, bwrap: string, pyodideDir: string = pyodideDirectory()): SpawnSpec {
  const node = realpathSync(process.execPath);
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
    command: bwrap,
    args: [
      ...bubblewrapArgs(node, pyodideDir),
      node,
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
      '--input-type=module',
      '--eval',
      childScript(config),
    ],
  };
}
