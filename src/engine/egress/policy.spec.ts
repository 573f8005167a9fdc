import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseLimitError } from './pinned-fetch.js';
import { EgressPolicy, EgressRefusedError, type HostResolver } from './policy.js';
import { parseEgressAllow } from './rules.js';

/** A resolver answering from a table; records every name it was asked. */
function resolverOf(table: Record<string, string[] | (() => string[])>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const entry = table[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { asked });
}

interface Recorded {
  url: string;
  headers: IncomingHttpHeaders;
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  servers = [];
});

/** A loopback server answering every request with `answer`; records what it received. */
async function serve(answer: (res: ServerResponse) => void): Promise<{ port: number; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    req.resume();
    answer(res);
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { port: (server.address() as AddressInfo).port, requests };
}

const strict = (resolve?: HostResolver) => new EgressPolicy({ ...(resolve ? { resolve } : {}) });
const allowing = (allow: string, resolve?: HostResolver) => new EgressPolicy({ allow: parseEgressAllow(allow), ...(resolve ? { resolve } : {}) });

describe(parseEgressAllow.name, () => {
  it('reads addresses, blocks, host names and ports', () => {
    const rules = parseEgressAllow('127.0.0.1:11434, 10.0.0.0/8 [::1]:8000,fd00::/8,vllm.internal:8000,*');
    expect(rules.map((r) => `${r.kind}${'port' in r && r.port ? `:${r.port}` : ''}`)).toEqual([
      'cidr:11434',
      'cidr',
      'cidr:8000',
      'cidr',
      'host:8000',
      'any',
    ]);
  });

  it('names every bad entry at once', () => {
    expect(() => parseEgressAllow('10.0.0.0/40,host:port,ok.internal,x:0')).toThrow(/10\.0\.0\.0\/40.*host:port.*x:0/);
    expect(parseEgressAllow(undefined)).toEqual([]);
  });
});

describe(EgressPolicy.name, () => {
  describe('precheck (no DNS, at load time)', () => {
    it('refuses localhost names, literal non-public addresses and other schemes', () => {
      const policy = strict();
      expect(policy.precheck('http://localhost:11434/v1')).toMatch(/localhost/);
      expect(policy.precheck('http://api.localhost/v1')).toMatch(/localhost/);
      expect(policy.precheck('http://127.0.0.1:8080')).toMatch(/loopback address/);
      expect(policy.precheck('http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
      expect(policy.precheck('http://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
      expect(policy.precheck('http://[fd12::1]/')).toMatch(/unique-local/);
      expect(policy.precheck('http://0.0.0.0:80/')).toMatch(/is an unspecified address/);
      // The URL parser turns other spellings of an IPv4 address into the dotted form first.
      expect(policy.precheck('http://2130706433/')).toMatch(/loopback/);
      expect(policy.precheck('http://0x7f.1/')).toMatch(/loopback/);
      expect(policy.precheck('http://LOCALHOST./')).toMatch(/localhost/);
      expect(policy.precheck('http://[::]/')).toMatch(/unspecified/);
      expect(policy.precheck('file:///etc/passwd')).toMatch(/scheme file:/);
      expect(policy.precheck('https://api.openai.com/v1')).toBeUndefined();
      expect(policy.precheck('http://8.8.8.8/')).toBeUndefined();
    });

    it('lets the operator allow an address, a port of it, a block, or a name', () => {
      expect(allowing('127.0.0.1:11434').precheck('http://127.0.0.1:11434/v1')).toBeUndefined();
      expect(allowing('127.0.0.1:11434').precheck('http://127.0.0.1:8080/v1')).toMatch(/loopback/);
      expect(allowing('10.0.0.0/8').precheck('http://10.9.9.9:1234/')).toBeUndefined();
      expect(allowing('10.0.0.0/8').precheck('http://[::ffff:10.9.9.9]/')).toBeUndefined();
      expect(allowing('localhost:11434').precheck('http://localhost:11434/v1')).toBeUndefined();
      expect(allowing('*').precheck('http://169.254.169.254/')).toBeUndefined();
    });

    it('trusts the operator’s endpoints, and only under their path', () => {
      const policy = new EgressPolicy({ trust: ['http://10.0.0.5:8000/v1'] });
      expect(policy.precheck('http://10.0.0.5:8000/v1/chat/completions')).toBeUndefined();
      expect(policy.precheck('http://10.0.0.5:8000/v1')).toBeUndefined();
      expect(policy.precheck('http://10.0.0.5:8000/admin')).toMatch(/private/);
      expect(policy.precheck('http://10.0.0.5:8001/v1')).toMatch(/private/);
    });

    it('does not trust a path under the endpoint that climbs out of it with encoded slashes or dots', () => {
      const policy = new EgressPolicy({ trust: ['http://10.0.0.5:8000/v1'] });
      expect(policy.isTrusted(new URL('http://10.0.0.5:8000/v1/..%2f..%2fadmin'))).toBe(false);
      expect(policy.precheck('http://10.0.0.5:8000/v1/..%2f..%2fadmin')).toMatch(/private/);
      expect(policy.precheck('http://10.0.0.5:8000/v1/%2E%2E%2Fadmin')).toMatch(/private/);
      expect(policy.precheck('http://10.0.0.5:8000/v1/..%5cadmin')).toMatch(/private/);
      expect(policy.precheck('http://10.0.0.5:8000/v1/%2e./admin')).toMatch(/private/);
      expect(policy.precheck('http://10.0.0.5:8000/v1/chat/completions?q=%2f')).toBeUndefined();
    });
  });

  describe('check (resolved addresses)', () => {
    it('refuses a name that resolves to a non-public address, without showing the address', async () => {
      const policy = strict(resolverOf({ 'internal.example': ['10.1.2.3'] }));
      const error = await policy.check('http://internal.example/admin').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EgressRefusedError);
      expect((error as Error).message).toMatch(/internal\.example resolves to a private address/);
      expect((error as Error).message).not.toContain('10.1.2.3');
    });

    it('refuses a name when any of its addresses is non-public', async () => {
      const policy = strict(resolverOf({ 'mixed.example': ['8.8.8.8', '127.0.0.1'] }));
      await expect(policy.check('https://mixed.example/')).rejects.toThrow(/loopback/);
    });

    it('passes a public name and says which address to connect to', async () => {
      const policy = strict(resolverOf({ 'api.example': ['8.8.4.4', '2001:4860:4860::8888'] }));
      await expect(policy.check('https://api.example/v1')).resolves.toMatchObject({
        hostname: 'api.example',
        port: 443,
        address: '8.8.4.4',
        family: 4,
      });
    });

    it('refuses a name that does not resolve', async () => {
      await expect(strict(resolverOf({})).check('https://nowhere.example/')).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
    });

    it('allows a resolved private address an allow rule covers', async () => {
      const policy = allowing('10.0.0.0/8', resolverOf({ 'vllm.internal': ['10.0.0.7'] }));
      await expect(policy.check('http://vllm.internal:8000/v1')).resolves.toMatchObject({ address: '10.0.0.7', port: 8000 });
    });
  });

  describe('fetch', () => {
    it('connects to the checked address and keeps the URL’s name in the Host header', async () => {
      const server = await serve((res) => res.end('ok'));
      const policy = allowing('127.0.0.1', resolverOf({ 'model.test': ['127.0.0.1'] }));
      const response = await policy.fetch(`http://model.test:${server.port}/v1/models?x=1`, { headers: { 'x-test': 'yes' } });

      expect(await response.text()).toBe('ok');
      expect(server.requests).toEqual([
        { url: '/v1/models?x=1', headers: expect.objectContaining({ host: `model.test:${server.port}`, 'x-test': 'yes' }) },
      ]);
    });

    it('does not rebind: a second DNS answer (127.0.0.1) is never used, the checked one is', async () => {
      const server = await serve((res) => res.end('reached loopback'));
      let calls = 0;
      // First answer: an allowed address where nothing listens; any later answer: the loopback server.
      const resolve = resolverOf({ 'rebind.test': () => (calls++ === 0 ? ['127.0.0.2'] : ['127.0.0.1']) });
      const policy = allowing('127.0.0.2', resolve);

      const error = await policy.fetch(`http://rebind.test:${server.port}/`, { signal: AbortSignal.timeout(2000) }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TypeError);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(resolve.asked).toEqual(['rebind.test']);
      expect(server.requests).toHaveLength(0);
    });

    it('rejects with EgressRefusedError and sends nothing to a refused destination', async () => {
      const server = await serve((res) => res.end('secret'));
      await expect(strict().fetch(`http://127.0.0.1:${server.port}/`)).rejects.toThrow(EgressRefusedError);
      expect(server.requests).toHaveLength(0);
    });

    it('replaces an HTML error page with no body, keeping the status and headers', async () => {
      const server = await serve((res) => {
        res.writeHead(404, { 'content-type': 'text/html', 'x-request-id': 'r1' });
        res.end('<html><body>Internal admin console at http://10.0.0.9/secret</body></html>');
      });
      const response = await allowing('127.0.0.1').fetch(`http://127.0.0.1:${server.port}/v1/chat/completions`, { method: 'POST', body: '{}' });

      expect(response.status).toBe(404);
      expect(response.headers.get('x-request-id')).toBe('r1');
      expect(await response.text()).toBe('');
    });

    it('keeps only the message of a JSON error body, cut to 300 characters', async () => {
      const server = await serve((res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `bad model ${'x'.repeat(1000)}`, type: 'invalid', internal: 'stack trace' } }));
      });
      const response = await allowing('127.0.0.1').fetch(`http://127.0.0.1:${server.port}/`);
      const body = (await response.json()) as { error: { message: string } };

      expect(Object.keys(body.error)).toEqual(['message']);
      expect(body.error.message.startsWith('bad model xxx')).toBe(true);
      expect(body.error.message).toHaveLength(300);
    });

    it('does not follow a redirect (it could lead past the check)', async () => {
      const target = await serve((res) => res.end('internal'));
      const server = await serve((res) => {
        res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` });
        res.end();
      });
      const response = await allowing('127.0.0.1').fetch(`http://127.0.0.1:${server.port}/`);

      expect(response.status).toBe(302);
      expect(target.requests).toHaveLength(0);
    });

    it('errors a body past maxResponseBytes as it streams, naming the host and the setting', async () => {
      const server = await serve((res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // 200 KB and the answer never ends: only counting as the bytes arrive can stop it.
        for (let i = 0; i < 200; i++) res.write(`${'x'.repeat(1023)}\n`);
      });
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxResponseBytes: 100_000 });
      const response = await policy.fetch(`http://127.0.0.1:${server.port}/v1/chat/completions`);

      const error = await response.text().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseLimitError);
      expect((error as Error).message).toBe(`Response from 127.0.0.1:${server.port} is larger than 100000 bytes (EGRESS_MAX_RESPONSE_BYTES)`);
    });

    it('counts the decoded bytes of a compressed body', async () => {
      const server = await serve((res) => {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
        res.end(gzipSync(`"${'0'.repeat(500_000)}"`));
      });
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxResponseBytes: 100_000 });
      const response = await policy.fetch(`http://127.0.0.1:${server.port}/`);
      await expect(response.json()).rejects.toThrow(/is larger than 100000 bytes/);
    });

    it('passes a body of exactly maxResponseBytes', async () => {
      const server = await serve((res) => res.end('y'.repeat(4096)));
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxResponseBytes: 4096 });
      expect(await (await policy.fetch(`http://127.0.0.1:${server.port}/`)).text()).toHaveLength(4096);
    });

    it('errors an event stream whose line grows past maxEventLineBytes without a line break', async () => {
      const server = await serve((res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        res.write('data: {"ok":true}\n\n');
        for (let i = 0; i < 30; i++) res.write(`${i === 0 ? 'data: ' : ''}${'z'.repeat(1000)}`);
      });
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxEventLineBytes: 10_000 });
      const response = await policy.fetch(`http://127.0.0.1:${server.port}/`);

      await expect(response.text()).rejects.toThrow(`Event stream from 127.0.0.1:${server.port} has a line longer than 10000 bytes`);
    });

    it('bounds lines only in event streams, and only lines: many short lines pass', async () => {
      const server = await serve((res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {}\r\n\r\n'.repeat(5000));
      });
      const json = await serve((res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`"${'a'.repeat(50_000)}"`);
      });
      const policy = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1'), maxEventLineBytes: 1000 });
      expect(await (await policy.fetch(`http://127.0.0.1:${server.port}/`)).text()).toHaveLength(60_000);
      expect(await (await policy.fetch(`http://127.0.0.1:${json.port}/`)).json()).toHaveLength(50_000);
    });

    it('decodes a gzip body', async () => {
      const server = await serve((res) => {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
        res.end(gzipSync('{"ok":true}'));
      });
      const response = await allowing('127.0.0.1').fetch(`http://127.0.0.1:${server.port}/`);
      await expect(response.json()).resolves.toEqual({ ok: true });
    });
  });
});
