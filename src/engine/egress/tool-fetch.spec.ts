/** A registered tool loaded from a config reaches the network only through the egress policy. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadComponent } from '../components/loader.js';
import { tool, type Tool } from '../tools/tool.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { EgressPolicy } from './policy.js';
import { parseEgressAllow } from './rules.js';

const fetchUrl = tool({
  name: 'fetch_url',
  description: 'Fetches a URL.',
  parameters: z.object({ url: z.string() }),
  execute: async ({ url }, context) => {
    if (!context.fetch) throw new Error('no egress fetch in the tool context');
    return (await context.fetch(url)).text();
  },
});

describe('FunctionTool context.fetch', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('internal data'));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  const load = (egress: EgressPolicy) =>
    loadComponent(
      { provider: 'autogen_core.tools.FunctionTool', config: { name: 'fetch_url' } },
      { tools: new ToolRegistry([fetchUrl]), credentials: {}, egress },
      'tool',
    ) as Tool;
  const signal = new AbortController().signal;

  it('is the egress policy’s fetch: a loopback URL is refused', async () => {
    const result = await load(new EgressPolicy()).run({ url }, { signal });
    expect(result).toMatchObject({ isError: true, content: expect.stringMatching(/Refused by the egress policy: .*loopback/) });
  });

  it('reaches what the operator allows', async () => {
    await expect(load(new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') })).run({ url }, { signal })).resolves.toEqual({
      content: 'internal data',
      isError: false,
    });
  });
});
