/**
 * The outer wall (bubblewrap) on its own. Every other escape test meets the inner walls first
 * (Node's permission model, child.ts's lock-down, the empty `env: {}` the pool spawns with), so
 * those tests would pass with bubblewrap gone. Here a process is started with exactly the
 * bubblewrap arguments of the sandbox (`bubblewrapArgs`, the same function `sandboxSpawnSpec`
 * uses) around a plain `node --eval`: no permission model, no lock-down, and bubblewrap itself
 * started with the test's whole environment — as if Python had got all the way into JavaScript
 * with everything else bypassed. Each attempt prints one JSON line `{name, ok, detail}`; every one
 * must fail. A control runs the same script without bubblewrap and must succeed, so this spec
 * fails if the wall were not there.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bubblewrapArgs, findBubblewrap, pyodideDirectory } from './spawn.js';

/** What the script needs to know; given as its one argument (its environment may be empty). */
interface Targets {
  port: number;
  unixSocket: string;
  repoFile: string;
  sqliteFile: string;
  secret: string;
  canaryName: string;
  hostWrites: string[];
  /** The name of a folder this spec made in the host's /tmp. */
  tmpMarker: string;
  testPid: number;
  hostUid: number;
}

/** The attempts, in plain JavaScript: nothing of the sandbox's own code is in this process. */
const ATTEMPTS = String.raw`
const net = await import('node:net');
const http = await import('node:http');
const fs = await import('node:fs');
const t = JSON.parse(process.argv[1]);
const report = (name, ok, detail) => process.stdout.write(JSON.stringify({ name, ok, detail: String(detail).slice(0, 300) }) + '\n');
// A network attempt that neither connects nor fails got nowhere: it counts as failed after 3 s.
const within = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 3 s')), 3000).unref())]);
const attempt = async (name, fn) => {
  try {
    const [ok, detail] = await fn();
    report(name, ok, detail);
  } catch (error) {
    report(name, false, error.code ?? error.message);
  }
};
const connectTo = (options) => within(new Promise((resolve, reject) => {
  const socket = net.connect(options, () => { socket.end('escape\n'); resolve([true, 'connected']); });
  socket.once('error', reject);
}));
const read = (file, looking) => { const text = fs.readFileSync(file, 'latin1'); return [looking === undefined || text.includes(looking), text.length + ' bytes']; };
await attempt('tcp connect to the host loopback', () => connectTo({ port: t.port, host: '127.0.0.1' }));
await attempt('http request to the host loopback', () => within(new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port: t.port, path: '/escape', agent: false }, (res) => { res.resume(); resolve([true, 'HTTP ' + res.statusCode]); }).once('error', reject);
})));
await attempt('connect to a host unix socket', () => connectTo({ path: t.unixSocket }));
await attempt('read /etc/hostname', () => read('/etc/hostname'));
await attempt('read /etc/passwd', () => read('/etc/passwd', 'root:'));
await attempt('read a repository file', () => read(t.repoFile, '"name"'));
await attempt('read the SQLite database', () => read(t.sqliteFile, t.secret));
// Pid 1 of the namespace: had bubblewrap kept an init process there, it would hold the
// environment bubblewrap was started with (this spec starts it with its own, canary included).
await attempt('read /proc/1/environ', () => read('/proc/1/environ', t.canaryName + '='));
// The server's environment as it was started (whatever keys it had then): readable at all is a way out.
await attempt("read the server's /proc/<pid>/environ", () => read('/proc/' + t.testPid + '/environ'));
await attempt('list /home', () => [true, fs.readdirSync('/home').join(',')]);
// The sandbox's /tmp is its own; it may hold the mount points of the folders bound into it
// (when the repository lives under /tmp), but never what the host keeps there.
await attempt('see the host /tmp', () => { const names = fs.readdirSync('/tmp'); return [names.includes(t.tmpMarker), names.join(',')]; });
for (const file of t.hostWrites) await attempt('write ' + file, () => { fs.writeFileSync(file, 'escaped'); return [true, 'written']; });
await attempt("the server's environment", () => [process.env[t.canaryName] !== undefined, Object.keys(process.env).join(',')]);
await attempt("signal the server's pid", () => { process.kill(t.testPid, 'SIGUSR2'); return [true, 'sent']; });
await attempt("run as the server's uid", () => [process.getuid() === t.hostUid, 'uid ' + process.getuid()]);
`;

interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * A listener on 127.0.0.1 (TCP) or a Unix socket path that counts connections and answers any
 * HTTP request with 200. `connections()` counts those made before the call: a probe connection
 * is made and, the kernel handing connections over in order, once the probe has been seen every
 * earlier one has been too (no timer).
 */
async function countingListener(where: number | string) {
  const sockets: Socket[] = [];
  const probes = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (text.startsWith('probe')) {
        probes.add(socket);
        server.emit('probe');
      } else if (text.startsWith('GET ')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => (typeof where === 'number' ? server.listen(where, '127.0.0.1', resolve) : server.listen(where, resolve)));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    async connections(): Promise<number> {
      const seen = probes.size;
      const probe = typeof where === 'number' ? connect((server.address() as { port: number }).port, '127.0.0.1') : connect(where);
      probe.on('error', () => undefined);
      probe.write('probe');
      await new Promise<void>((resolve) => {
        const check = () => (probes.size > seen ? resolve() : server.once('probe', check));
        check();
      });
      probe.destroy();
      return sockets.filter((s) => !probes.has(s)).length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const bwrap = findBubblewrap();
const node = realpathSync(process.execPath);
const pyodideDir = pyodideDirectory();
const CANARY = 'TEAMSTREAM_OUTER_WALL_CANARY';
let scratch: string;
/** A folder in the host's /tmp (see the "see the host /tmp" attempt). */
let tmpMarker: string;
let signals = 0;
const onSignal = () => (signals += 1);

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'sandbox-outer-wall-'));
  // In /tmp itself whatever TMPDIR says: the host folder the sandbox must not see.
  tmpMarker = mkdtempSync('/tmp/sandbox-outer-wall-marker-');
  // A database file as the server's looks (the engine may not load a database driver, even in a spec).
  writeFileSync(path.join(scratch, 'teamstream.sqlite'), 'SQLite format 3\0outer-wall-secret-row');
  process.env[CANARY] = 'canary-value-the-child-must-not-see';
  // Installed for the whole spec: SIGUSR2's default action would end this process.
  process.on('SIGUSR2', onSignal);
});

afterAll(() => {
  process.off('SIGUSR2', onSignal);
  delete process.env[CANARY];
  rmSync(scratch, { recursive: true, force: true });
  rmSync(tmpMarker, { recursive: true, force: true });
});

/** Runs the attempts as `command args… node --eval ATTEMPTS <targets>`, started with this process's whole environment. */
async function runAttempts(prefix: string[], tag: string) {
  const tcp = await countingListener(0);
  const unixSocket = path.join(mkdtempSync(path.join(scratch, `${tag}-`)), 'server.sock');
  const unix = await countingListener(unixSocket);
  const hostWrites = [path.join(scratch, `${tag}-escaped.txt`), path.join(pyodideDir, `.outer-wall-${tag}-${process.pid}.txt`)];
  const targets: Targets = {
    port: tcp.port,
    unixSocket,
    repoFile: path.resolve('package.json'),
    sqliteFile: path.join(scratch, 'teamstream.sqlite'),
    secret: 'outer-wall-secret-row',
    canaryName: CANARY,
    hostWrites,
    tmpMarker: path.basename(tmpMarker),
    testPid: process.pid,
    hostUid: process.getuid!(),
  };
  signals = 0;
  const [command, ...args] = [...prefix, node, '--input-type=module', '--eval', ATTEMPTS, JSON.stringify(targets)];
  const child = spawn(command!, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    const outcomes = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Outcome);
    const byName = Object.fromEntries(outcomes.map((o) => [o.name, o]));
    return {
      code,
      stderr,
      outcomes,
      byName,
      tcpConnections: await tcp.connections(),
      unixConnections: await unix.connections(),
      written: hostWrites.filter((file) => existsSync(file)),
    };
  } finally {
    for (const file of hostWrites) rmSync(file, { force: true });
    await tcp.close();
    await unix.close();
  }
}

const ATTEMPT_COUNT = 16;

describe('the outer wall (bubblewrap) alone', () => {
  it('stops plain JavaScript with no permission model and no lock-down from reaching the host', async () => {
    expect(bwrap, 'bubblewrap is required (scripts/ensure-bubblewrap.sh)').toBeDefined();
    const run = await runAttempts([bwrap!, ...bubblewrapArgs(node, pyodideDir)], 'walled');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.outcomes).toHaveLength(ATTEMPT_COUNT);
    // Every attempt failed (the details say how: ECONNREFUSED, ENOENT, EROFS, ESRCH, …).
    expect(run.outcomes.filter((o) => o.ok)).toEqual([]);
    expect(run.tcpConnections).toBe(0);
    expect(run.unixConnections).toBe(0);
    expect(run.written).toEqual([]);
    expect(signals).toBe(0);
    // Why they failed, where the reason is the wall's: its own loopback, its own file system, its own pid space.
    expect(run.byName['tcp connect to the host loopback']!.detail).toBe('ECONNREFUSED');
    expect(run.byName['connect to a host unix socket']!.detail).toBe('ENOENT');
    expect(run.byName['read the SQLite database']!.detail).toBe('ENOENT');
    expect(run.byName["signal the server's pid"]!.detail).toBe('ESRCH');
    expect(run.byName["run as the server's uid"]!.detail).toBe('uid 65534');
    // Its environment is bubblewrap's cleared one, though bubblewrap was started with the test's.
    expect(run.byName["the server's environment"]!.detail).toBe('PWD');
  }, 60_000);

  it('control: the same script without bubblewrap reaches the host (so the test above can fail)', async () => {
    const run = await runAttempts([], 'control');
    expect(run.code).toBe(0);
    expect(run.outcomes).toHaveLength(ATTEMPT_COUNT);
    const succeeded = run.outcomes.filter((o) => o.ok).map((o) => o.name);
    expect(succeeded).toEqual(
      expect.arrayContaining([
        'tcp connect to the host loopback',
        'http request to the host loopback',
        'connect to a host unix socket',
        'read /etc/passwd',
        'read a repository file',
        'read the SQLite database',
        "read the server's /proc/<pid>/environ",
        'see the host /tmp',
        `write ${path.join(scratch, 'control-escaped.txt')}`,
        "the server's environment",
        "signal the server's pid",
      ]),
    );
    expect(run.tcpConnections).toBe(2);
    expect(run.unixConnections).toBe(1);
    // The signal was delivered; its handler runs on this event loop.
    const deadline = Date.now() + 10_000;
    while (signals === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(signals).toBe(1);
  }, 60_000);
});
