/**
 * Security issue part 3 and 5 at the process level: the real service as a child process.
 * - PostgreSQL goes away (a TCP proxy in front of the shared server is cut, the server itself
 *   is never touched) while unauthenticated sockets, sockets to ids past int4 and REST calls
 *   hammer it; then it comes back: the process never exits and serves again without a restart.
 * - Sockets refused at the upgrade cannot make the server buffer their frames (peak RSS).
 * - AUTH_TYPE=none on a non-loopback HOST is warned about at start-up.
 */
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, JWT_ENV, tokenFor } from '../support/auth.js';
import { teamFixture } from '../support/fixtures.js';
import { createPostgresDatabase, findPostgres } from '../support/postgres.js';
import { rawUpgrade, streamFrame } from '../support/raw-socket.js';
import { RunViewer } from '../support/run-viewer.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import request from 'supertest';

const OUT_OF_RANGE = 2_147_483_648;

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private cut = false;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.cut) return void client.destroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.open.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => (this.open.delete(a), b.destroy()));
        a.pipe(b);
      }
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  cutOff(): void {
    this.cut = true;
    for (const socket of this.open) socket.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.cutOff();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const pgUrl = await findPostgres();

describe.skipIf(!pgUrl)('the process survives PostgreSQL going away (PostgreSQL)', () => {
  let proxy: CuttableProxy;
  let server: ServerProcess;
  let drop: () => Promise<void>;
  const alice = tokenFor('alice');

  beforeAll(async () => {
    const upstream = new URL(pgUrl!);
    proxy = new CuttableProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    const port = await proxy.listen();
    const db = await createPostgresDatabase(pgUrl!);
    drop = () => db.drop();
    const viaProxy = new URL(pgUrl!);
    viaProxy.host = `127.0.0.1:${port}`;
    server = await startServerProcess({ ...JWT_ENV, DATABASE_URL: viaProxy.toString(), DATABASE_SCHEMA: db.schema, RATE_LIMIT_PER_MINUTE: '0' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await drop?.();
  });

  const alive = () =>
    expect({ exitCode: server.child.exitCode, signal: server.child.signalCode }, server.output()).toEqual({ exitCode: null, signal: null });
  const closeCode = async (id: number | string, token?: string) => {
    const viewer = await RunViewer.open(server.baseUrl, id, token ? { token } : {});
    return (await viewer.waitClosed()).code;
  };

  it('refuses sockets and REST calls while the database is gone, and serves again once it is back', async () => {
    const http = request(server.baseUrl);
    const team = await http
      .post('/api/teams/')
      .set(bearer(alice))
      .send({ component: teamFixture('round-robin-replay') })
      .expect(200);
    const session = await http.post('/api/sessions/').set(bearer(alice)).send({ team_id: team.body.data.id, name: 'p' }).expect(200);
    const runId: number = (await http.post('/api/runs/').set(bearer(alice)).send({ session_id: session.body.data.id }).expect(200)).body.data.run_id;

    // With the database up: the socket that used to take the process down (no token, id past int4).
    expect(await closeCode(OUT_OF_RANGE)).toBe(4001);
    expect(await closeCode(OUT_OF_RANGE, alice)).toBe(4004);
    alive();

    proxy.cutOff();
    const sockets = [
      ...Array.from({ length: 12 }, () => closeCode(OUT_OF_RANGE).then((code) => ['no token', code] as const)),
      ...Array.from({ length: 6 }, () => closeCode(runId).then((code) => ['no token', code] as const)),
      ...Array.from({ length: 6 }, () => closeCode(OUT_OF_RANGE, alice).then((code) => ['out of range', code] as const)),
      ...Array.from({ length: 6 }, () => closeCode(runId, alice).then((code) => ['lookup', code] as const)),
    ];
    const rest = [
      ...Array.from({ length: 6 }, () =>
        http
          .get(`/api/runs/${runId}`)
          .set(bearer(alice))
          .then((r) => ['get', r.status] as const),
      ),
      ...Array.from({ length: 4 }, () =>
        http
          .get(`/api/runs/${OUT_OF_RANGE}`)
          .set(bearer(alice))
          .then((r) => ['get out of range', r.status] as const),
      ),
      ...Array.from({ length: 4 }, () =>
        http
          .get('/api/sessions/')
          .set(bearer(alice))
          .then((r) => ['list', r.status] as const),
      ),
      ...Array.from({ length: 4 }, () =>
        http
          .post(`/api/runs/${runId}/stop`)
          .set(bearer(alice))
          .send({})
          .then((r) => ['stop', r.status] as const),
      ),
    ];
    const answers = await Promise.all([...sockets, ...rest]);
    const codes = (what: string) => new Set(answers.filter(([w]) => w === what).map(([, c]) => c));
    expect(codes('no token')).toEqual(new Set([4001]));
    expect(codes('out of range')).toEqual(new Set([4004]));
    expect(codes('lookup')).toEqual(new Set([1011])); // the run cannot be looked up: closed, logged
    expect(codes('get out of range')).toEqual(new Set([404]));
    for (const what of ['get', 'list', 'stop']) for (const status of codes(what)) expect(status).toBeGreaterThanOrEqual(500);
    alive();
    expect(server.output()).toMatch(/RunsGateway.*\/api\/ws\/runs\/\d+/);

    proxy.restore();
    // The pool reconnects on demand: the same process answers again (bounded polling, no sleep race).
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) status = (await http.get(`/api/runs/${runId}`).set(bearer(alice))).status;
    expect(status).toBe(200);
    const viewer = await RunViewer.open(server.baseUrl, runId, { token: alice });
    await viewer.waitFor((f) => f.type === 'system');
    await viewer.close();
    alive();
  }, 90_000);
});

/** Peak resident memory of a process (Linux), in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmHWM');
  return Number(match[1]) * 1024;
}

describe('hostile sockets (child process)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ ...JWT_ENV, DATABASE_URL: 'sqlite::memory:' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it.skipIf(process.platform !== 'linux')(
    'a socket without a valid token cannot make the server buffer a big frame',
    async () => {
      const before = peakRss(server.child.pid!);
      const frameBytes = 32 * 1024 * 1024;
      // 8 unauthenticated sockets each stream a 32 MiB frame right after the 101 (256 MiB in all).
      const refused = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const raw = await rawUpgrade(server.baseUrl, '/api/ws/runs/1?token=forged');
          await streamFrame(raw, frameBytes);
          await raw.closed;
          return raw.received();
        }),
      );
      for (const data of refused) {
        // The first thing the server sent is its close frame: 4001 (protocol §1.3, §2.7).
        expect(data[0]! & 0x0f).toBe(0x8);
        expect(data.readUInt16BE(2)).toBe(4001);
      }
      const growth = peakRss(server.child.pid!) - before;
      expect(growth, `peak RSS grew by ${Math.round(growth / 2 ** 20)} MiB`).toBeLessThan(64 * 1024 * 1024);
      expect(server.child.exitCode).toBeNull();
    },
    60_000,
  );

  it('an upgrade whose URL does not parse is a 400, and the process goes on', async () => {
    const { port } = new URL(server.baseUrl);
    for (const path of ['//[', 'http://[', '//']) {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await new Promise((resolve) => socket.once('close', resolve));
      expect(answer, path).toMatch(/^HTTP\/1\.1 400 /);
    }
    await request(server.baseUrl).get('/api/health').expect(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('start-up warnings (child process)', () => {
  it('warns loudly when AUTH_TYPE=none listens beyond loopback, and not on loopback', async () => {
    const exposed = await startServerProcess({ HOST: '0.0.0.0', DATABASE_URL: 'sqlite::memory:' });
    await exposed.stop();
    expect(exposed.output()).toMatch(/WARN.*AUTH_TYPE=none while listening on HOST=0\.0\.0\.0/);
    const local = await startServerProcess({ DATABASE_URL: 'sqlite::memory:' });
    await local.stop();
    expect(local.output()).not.toMatch(/AUTH_TYPE=none while listening/);
  }, 60_000);
});
