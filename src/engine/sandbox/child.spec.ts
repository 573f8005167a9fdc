/**
 * The sandbox process's walls below Python: even JavaScript that got out of Python (the layer
 * the import guard protects) meets Node's permission model and the lock-down. These specs run
 * plain JavaScript in a process started exactly like a sandbox process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loopbackListener } from '../../../test/support/engine/loopback-listener.js';
import { childScript, lockDown } from './child.js';
import { findBubblewrap, sandboxSpawnSpec } from './spawn.js';

const ATTEMPTS = String.raw`
const net = await import('node:net');
const http = await import('node:http');
const https = await import('node:https');
const tls = await import('node:tls');
const dns = await import('node:dns');
const dgram = await import('node:dgram');
const fs = await import('node:fs');
const cp = await import('node:child_process');
const inspector = await import('node:inspector');
const { Worker } = await import('node:worker_threads');
const [port, scratch] = [Number(process.argv[1]), process.argv[2]];
const results = {};
// An attempt that neither succeeds nor fails (a request to a listener that never answers) got
// through: only a refusal counts as refused. Refusals are immediate, so the timer never decides one.
const hung = () => new Promise((resolve) => setTimeout(resolve, 2000).unref());
const attempt = async (name, fn) => {
  try {
    await Promise.race([fn(), hung()]);
    results[name] = 'allowed';
  } catch (error) {
    results[name] = 'refused';
  }
};
const connected = (socket) => new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
await attempt('net.connect', () => connected(net.connect(port, '127.0.0.1')));
await attempt('new net.Socket().connect', () => connected(new net.Socket().connect(port, '127.0.0.1')));
await attempt('net.createServer().listen', () => new Promise((resolve, reject) => net.createServer().listen(0, resolve).once('error', reject)));
await attempt('http.get', () => new Promise((resolve, reject) => http.get('http://127.0.0.1:' + port + '/', resolve).once('error', reject)));
await attempt('https.get', () => new Promise((resolve, reject) => https.get('https://127.0.0.1:' + port + '/', resolve).once('error', reject)));
await attempt('tls.connect', () => connected(tls.connect(port, '127.0.0.1')));
await attempt('fetch', () => fetch('http://127.0.0.1:' + port + '/'));
await attempt('dns.lookup', () => new Promise((resolve, reject) => dns.lookup('localhost', (error) => (error ? reject(error) : resolve()))));
await attempt('dns.promises.resolve', () => dns.promises.resolve('example.com'));
await attempt('dgram.send', () => new Promise((resolve, reject) => dgram.createSocket('udp4').send('x', port, '127.0.0.1', (error) => (error ? reject(error) : resolve()))));
await attempt('child_process.spawn', () => new Promise((resolve, reject) => cp.spawn('id').once('spawn', resolve).once('error', reject)));
await attempt('child_process.execSync', () => cp.execSync('id'));
await attempt('worker_threads.Worker', () => new Worker('process.exit(0)', { eval: true }));
await attempt('fs.readFileSync /etc/hostname', () => fs.readFileSync('/etc/hostname'));
await attempt('fs.writeFileSync', () => fs.writeFileSync(scratch + '/escaped.txt', 'x'));
await attempt('process.kill(parent)', () => process.kill(process.ppid, 0));
await attempt('process.binding tcp_wrap', () => process.binding('tcp_wrap'));
await attempt('process.dlopen', () => process.dlopen({ exports: {} }, '/nonexistent.node'));
await attempt('inspector.open', () => inspector.open(0, '127.0.0.1'));
await attempt('eval', () => eval('1 + 1'));
await attempt('new Function', () => new Function('return 1')());
results.env = JSON.stringify(process.env);
const os = await import('node:os');
results.identity = JSON.stringify({ uid: process.getuid(), gid: process.getgid(), hostname: os.hostname(), interfaces: Object.keys(os.networkInterfaces()) });
process.stdout.write(JSON.stringify(results), () => process.exit(0));
`;

function runLockedDown(port: number, scratch: string): Promise<{ code: number | null; results: Record<string, string>; stderr: string }> {
  const spec = sandboxSpawnSpec({ memoryMb: 64, jsHeapMb: 64 }, findBubblewrap()!);
  const args = [...spec.args];
  args[args.indexOf('--eval') + 1] = `const lockDown = ${lockDown.toString()};\nlockDown();\n${ATTEMPTS}`;
  const child = spawn(spec.command, [...args, String(port), scratch], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.once('close', (code) => resolve({ code, results: stdout ? (JSON.parse(stdout) as Record<string, string>) : {}, stderr }));
  });
}

describe('sandbox child', () => {
  it('refuses networking, files, processes, signals, bindings and code from strings, even to JavaScript', async () => {
    const server = await loopbackListener();
    const scratch = mkdtempSync(path.join(tmpdir(), 'sandbox-child-'));
    try {
      const { code, results, stderr } = await runLockedDown(server.port, scratch);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const { env, identity, ...attempts } = results;
      // bubblewrap clears the environment (--clearenv) and sets only PWD, for its --chdir /.
      expect(JSON.parse(env!)).toEqual({ PWD: '/' });
      // bubblewrap's wall: nobody, in its own network namespace (its own loopback, none of the host's interfaces).
      expect(JSON.parse(identity!)).toEqual({ uid: 65534, gid: 65534, hostname: 'sandbox', interfaces: ['lo'] });
      expect(Object.keys(attempts)).toHaveLength(21);
      expect(Object.entries(attempts).filter(([, outcome]) => outcome !== 'refused')).toEqual([]);
      expect(await server.connections()).toBe(0);
    } finally {
      await server.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('is self-contained: nothing in the script refers to the module it came from', () => {
    const script = childScript({ pyodideUrl: 'file:///x/pyodide.mjs', indexPath: '/x/', runner: '', runnerModule: 'm' });
    // What Vite (under Vitest) would have rewritten had the functions used imports or import().
    expect(script).not.toMatch(/__vi|__vite|_ts_|require\(/);
    expect(script).toContain('await sandboxMain({"pyodideUrl":"file:///x/pyodide.mjs"');
  });
});
