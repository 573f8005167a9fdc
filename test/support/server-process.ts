/**
 * The real service as a child process, for tests that kill it (kill -9) and start it again on
 * the same database. The sources are compiled once per test run with SWC (decorator metadata
 * on, as Nest needs) into node_modules/.cache, so bare imports resolve to the project's packages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFileSync } from '@swc/core';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_ROOT = join(ROOT, 'node_modules/.cache/teamstream-server');
/** Mirrors the built layout (dist/src, dist/migrations, package.json beside dist/), which the app relies on for its version. */
const OUT = join(OUT_ROOT, 'dist');
let compiled = false;

/** How long a server process may take to say it listens before the test fails (ms). */
export const SERVER_START_DEADLINE_MS = 45_000;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Compiles src/ and migrations/ to plain ESM JavaScript (about a second); returns the entry file. */
export function compileServer(): string {
  if (!compiled) {
    for (const file of [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'migrations'))]) {
      const { code } = transformFileSync(file, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'es6' },
        sourceMaps: false,
      });
      const out = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeUnlessSame(out, code);
    }
    copyFileSync(join(ROOT, 'package.json'), join(OUT_ROOT, 'package.json'));
    compiled = true;
  }
  return join(OUT, 'src/main.js');
}

/**
 * Test workers compile into the same folder while other workers' servers import from it: a file
 * is replaced by a rename (a reader sees the old file or the new one, never a truncated one), and
 * not touched at all when its code is unchanged.
 */
function writeUnlessSame(path: string, code: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === code) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, path);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, exactly like a crash. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the service on a free port with the given environment; resolves once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const entry = compileServer();
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'log', EGRESS_ALLOW: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((ready, fail) => {
    // A deadline, not a wait: generous, because a loaded two-core machine can take this long to boot Node.
    const timer = setTimeout(
      () => fail(new Error(`server did not start in ${SERVER_START_DEADLINE_MS / 1000} s:\n${output}`)),
      SERVER_START_DEADLINE_MS,
    );
    const check = () => {
      if (output.includes('TeamStream listening on')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`server exited with ${code}:\n${output}`))));
  });
  const waitExit = (ms: number) =>
    Promise.race([exited, new Promise<void>((_, fail) => setTimeout(() => fail(new Error('server did not exit')), ms))]);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    kill9: async () => {
      child.kill('SIGKILL');
      await waitExit(5_000);
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await waitExit(10_000);
    },
  };
}
