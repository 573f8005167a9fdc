/** The web tools' limits and refusals (their normal runs are in ../gallery-tools.spec.ts). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressPolicy } from '../../egress/policy.js';
import { parseEgressAllow } from '../../egress/rules.js';
import type { Tool } from '../tool.js';
import { webTools } from './web-tools.js';

let server: Server;
let base: string;
const egress = new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') });
const context = () => ({ signal: new AbortController().signal, fetch: egress.fetch });
const byName = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/big') {
      res.setHeader('content-type', 'text/html');
      res.end(`<p>${'word '.repeat(100_000)}</p>`);
    } else if (req.url === '/never') {
      // Never answers: only the tool's own time limit ends the request.
    } else {
      res.end('<p>ok</p>');
    }
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

describe(webTools.name, () => {
  const tools = webTools({ maxOutputChars: 1_000, imagesDir: '/nonexistent', timeoutMs: 300, maxPageBytes: 10_000 });

  it('fetch_webpage reads at most maxPageBytes and returns at most TOOL_MAX_OUTPUT_CHARS', async () => {
    const result = await byName(tools, 'fetch_webpage').run({ url: `${base}/big` }, context());
    expect(result.isError).toBe(false);
    expect(result.content).toMatch(/^word word .*\n\.\.\.\(output truncated to 1000 characters\)$/s);
    expect(result.content.length).toBeLessThan(1_100);
  });

  it('fetch_webpage gives up on a page that does not answer in time', async () => {
    await expect(byName(tools, 'fetch_webpage').run({ url: `${base}/never` }, context())).resolves.toEqual({
      content: 'Error: Failed to fetch webpage: the request timed out',
      isError: true,
    });
  });

  it('refuses to run without the egress fetch, and google_search and generate_image without their keys', async () => {
    await expect(byName(tools, 'fetch_webpage').run({ url: `${base}/` }, { signal: new AbortController().signal })).resolves.toMatchObject({
      isError: true,
      content: expect.stringContaining('only through the egress policy'),
    });
    await expect(byName(tools, 'google_search').run({ query: 'x' }, context())).resolves.toEqual({
      content: 'Error: Missing required environment variables. Please set GOOGLE_API_KEY and GOOGLE_CSE_ID.',
      isError: true,
    });
    await expect(byName(tools, 'generate_image').run({ query: 'x' }, context())).resolves.toEqual({
      content: 'Error: generate_image needs the server to have OPENAI_API_KEY set',
      isError: true,
    });
  });

  it("keeps AGS's parameters", () => {
    const parameters = (name: string) => Object.keys((byName(tools, name).schema.parameters as { properties: object }).properties);
    expect(parameters('fetch_webpage')).toEqual(['url', 'include_images', 'max_length', 'headers']);
    expect(parameters('google_search')).toEqual([
      'query',
      'num_results',
      'include_snippets',
      'include_content',
      'content_max_length',
      'language',
      'country',
      'safe_search',
    ]);
    expect(parameters('bing_search')).toEqual([
      'query',
      'num_results',
      'include_snippets',
      'include_content',
      'content_max_length',
      'language',
      'country',
      'safe_search',
      'response_filter',
    ]);
    expect(parameters('generate_image')).toEqual(['query', 'output_dir', 'image_size']);
  });
});
