/**
 * HttpTool against a loopback server the egress policy allows. Expected values are AgentChat's
 * autogen_ext.tools.http.HttpTool: path parameters filled from the arguments, the rest as query
 * parameters (GET, DELETE) or a JSON body (POST, PUT, PATCH), the configured headers sent, the
 * body returned as text or JSON; defaults POST / http / `/` / text / 5 s.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { EgressPolicy, parseEgressAllow } from '../egress/index.js';
import { ConfigError } from '../errors.js';
import { HttpTool } from './http-tool.js';
import { ToolRegistry } from './tool-registry.js';
import type { Tool } from './tool.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      if (req.url?.startsWith('/missing')) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such user');
      if (req.url?.startsWith('/slow')) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, method: req.method }));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

const schema = {
  type: 'object',
  properties: {
    user_id: { type: 'string', description: 'The user' },
    verbose: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['user_id'],
};
const allowed = () => new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
const load = (config: Record<string, unknown>, egress = allowed()) =>
  loadComponent({ provider: 'autogen_ext.tools.http.HttpTool', config }, { tools: new ToolRegistry([]), credentials: {}, egress }, 'tool') as Tool;
const signal = () => new AbortController().signal;

describe(HttpTool.name, () => {
  it('GET: path parameters from the arguments, the rest as query parameters, headers sent', async () => {
    const t = load({
      name: 'get_user',
      host: '127.0.0.1',
      port,
      path: '/users/{user_id}',
      method: 'GET',
      headers: { 'X-Api-Key': 'k1' },
      json_schema: schema,
    });
    const result = await t.run({ user_id: 'a b/c', verbose: true, tags: ['x', 'y'] }, { signal: signal() });
    expect(result).toEqual({ content: '{"ok":true,"method":"GET"}', isError: false });
    const request = seen.at(-1)!;
    expect(request.method).toBe('GET');
    // A value cannot add path segments: it is encoded.
    expect(request.url).toBe('/users/a%20b%2Fc?verbose=true&tags=x&tags=y');
    expect(request.headers['x-api-key']).toBe('k1');
  });

  it('POST by default: the arguments but the path parameters as a JSON body; json return_type', async () => {
    const t = load({ name: 'create', host: '127.0.0.1', port, path: '/users/{user_id}/notes', json_schema: schema, return_type: 'json' });
    await expect(t.run({ user_id: 'u1', verbose: false }, { signal: signal() })).resolves.toEqual({
      content: '{"ok":true,"method":"POST"}',
      isError: false,
    });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/users/u1/notes' });
    expect(JSON.parse(request.body)).toEqual({ verbose: false });
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('reports an error status with what the egress policy passes on (not a raw non-JSON body)', async () => {
    const t = load({ name: 'get_user', host: '127.0.0.1', port, path: '/missing/{user_id}', method: 'GET', json_schema: schema });
    // AgentChat would return 'no such user'; the policy withholds non-JSON error bodies.
    await expect(t.run({ user_id: 'u' }, { signal: signal() })).resolves.toEqual({ content: 'HTTP 404', isError: true });
  });

  it('refuses a loopback address the egress policy does not allow, without a request', async () => {
    const before = seen.length;
    const t = load({ name: 'get_user', host: '127.0.0.1', port, path: '/users/{user_id}', method: 'GET', json_schema: schema }, new EgressPolicy());
    const result = await t.run({ user_id: 'u' }, { signal: signal() });
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/Refused by the egress policy: .*loopback/);
    expect(seen.length).toBe(before);
  });

  it('gives the model an error for bad arguments, and times out after `timeout` seconds', async () => {
    const t = load({ name: 'get_user', host: '127.0.0.1', port, path: '/slow/{user_id}', method: 'GET', json_schema: schema, timeout: 0.2 });
    await expect(t.run({ verbose: true }, { signal: signal() })).resolves.toEqual({
      content: 'Invalid arguments for get_user: missing user_id',
      isError: true,
    });
    await expect(t.run({ user_id: 7 }, { signal: signal() })).resolves.toMatchObject({
      content: expect.stringContaining('user_id: expected string'),
      isError: true,
    });
    await expect(t.run({ user_id: 'u' }, { signal: signal() })).resolves.toEqual({ content: 'Error: timed out after 0.2 s', isError: true });
  });

  it('refuses a path parameter that is not a string property of json_schema', () => {
    expect(() =>
      load({ name: 'x', host: 'example.com', port: 80, path: '/{id}', json_schema: { type: 'object', properties: { id: { type: 'integer' } } } }),
    ).toThrow(ConfigError);
  });

  it('gives the model json_schema as its parameters; dumps with AgentChat’s defaults; round-trips an AGS config', () => {
    const t = load({ name: 'get_user', host: 'api.example.com', port: 443, json_schema: schema });
    expect(t.schema).toEqual({ name: 'get_user', description: 'HTTP tool', parameters: schema });
    expect(dumpComponent(t).config).toEqual({
      name: 'get_user',
      description: 'HTTP tool',
      scheme: 'http',
      host: 'api.example.com',
      port: 443,
      path: '/',
      method: 'POST',
      json_schema: schema,
      return_type: 'text',
      timeout: 5,
    });
    const ags = {
      provider: 'autogen_ext.tools.http.HttpTool',
      component_type: 'tool',
      version: 1,
      component_version: 1,
      description: 'A wrapper for using an HTTP server as a tool.',
      label: 'HttpTool',
      config: {
        name: 'base64_decode',
        description: 'base64 decode a value',
        scheme: 'https',
        host: 'httpbin.org',
        port: 443,
        path: '/base64/{value}',
        method: 'GET',
        headers: { Accept: 'text/plain' },
        json_schema: { type: 'object', properties: { value: { type: 'string', description: 'The base64 value to decode' } }, required: ['value'] },
        return_type: 'text',
        timeout: 5,
      },
    };
    expect(dumpComponent(loadComponent(ags, { tools: new ToolRegistry([]), credentials: {} }, 'tool'))).toEqual(ags);
  });
});
