/**
 * AutoGen Studio's default gallery (test/fixtures/ags-default-gallery.json): every tool in it
 * validates and runs, against local fakes of the APIs it calls, with the server's tool
 * resolution (standardToolRegistry) and the Python sandbox.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadComponent } from '../components/loader.js';
import type { LoadContext } from '../components/registry-types.js';
import { validateComponent } from '../components/validate.js';
import { EgressPolicy } from '../egress/policy.js';
import { parseEgressAllow } from '../egress/rules.js';
import { PythonSandbox } from '../sandbox/python-sandbox.js';
import { standardToolRegistry } from './standard-tools.js';
import { ToolRegistry } from './tool-registry.js';
import { BING_RETIRED } from './web/bing-search.js';

const SLOW = 120_000;
const gallery = JSON.parse(readFileSync(path.join(process.cwd(), 'test/fixtures/ags-default-gallery.json'), 'utf8')) as {
  components: { tools: { provider: string; label: string; config: Record<string, unknown> }[]; teams: { label: string }[] };
};
const galleryTool = (name: string) =>
  gallery.components.tools.find((t) => t.config.name === name || (name === 'CodeExecutor' && t.provider.endsWith('PythonCodeExecutionTool')))!;
/** 1×1 transparent PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const PAGE = `<!doctype html><html><head><title>T</title><style>body{}</style></head>
<body><script>var secret = 1;</script><h1>TeamStream</h1><p>Runs <b>agent</b> teams. <a href="/docs">Docs</a></p>
<img src="logo.png" alt="logo"></body></html>`;

let server: Server;
let base: string;
const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let python: PythonSandbox;
let imagesDir: string;
let ctx: LoadContext;
/**
 * The test's run, ended after the test as the driver ends runs: the sandbox keeps a run's Python
 * process until then, and holds a user to PYTHON_MAX_PROCESSES_PER_USER of them.
 */
let testRun: AbortController | undefined;
const signal = () => testRun!.signal;

beforeEach(() => {
  testRun = new AbortController();
});

afterEach(() => {
  testRun?.abort('Run ended');
  testRun = undefined;
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, base);
      if (url.pathname === '/page') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(PAGE);
      } else if (url.pathname === '/customsearch/v1') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: [{ title: 'TeamStream', link: `${base}/page`, snippet: 'Agent teams, streamed.' }] }));
      } else if (url.pathname === '/v1/images/generations') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ created: 1, data: [{ b64_json: PNG_BASE64 }] }));
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  imagesDir = mkdtempSync(path.join(tmpdir(), 'gallery-images-'));
  python = new PythonSandbox({ poolSize: 1, timeoutMs: 20_000, memoryMb: 192, maxOutputChars: 10_000, startTimeoutMs: SLOW });
  const tools = await standardToolRegistry({
    web: {
      maxOutputChars: 10_000,
      google: { apiKey: 'g-key', cseId: 'cx-1', endpoint: `${base}/customsearch/v1` },
      openai: { apiKey: 'sk-images', endpoint: `${base}/v1` },
      imagesDir,
    },
  });
  ctx = { tools, credentials: {}, egress: new EgressPolicy({ allow: parseEgressAllow('127.0.0.1') }), python };
});

afterAll(async () => {
  await python?.close();
  await new Promise((done) => server.close(done));
  rmSync(imagesDir, { recursive: true, force: true });
});

describe("AutoGen Studio's default gallery tools", () => {
  it('all six validate (is_valid)', () => {
    expect(gallery.components.tools).toHaveLength(6);
    for (const component of gallery.components.tools) expect(validateComponent(component, ctx)).toEqual({ is_valid: true, errors: [], warnings: [] });
  });

  it('calculator', async () => {
    const calculator = loadComponent(galleryTool('calculator'), ctx, 'tool');
    await expect(calculator.run({ a: 6, b: 7, operator: '*' }, { signal: signal() })).resolves.toEqual({ content: '42', isError: false });
  });

  it(
    'calculator from its own Python source, when no tool is registered under its name',
    async () => {
      const calculator = loadComponent(galleryTool('calculator'), { ...ctx, tools: new ToolRegistry() }, 'tool');
      await expect(calculator.run({ a: 6, b: 7, operator: '*' }, { signal: signal() })).resolves.toEqual({ content: '42.0', isError: false });
      await expect(calculator.run({ a: 1, b: 0, operator: '/' }, { signal: signal() })).resolves.toEqual({
        content: 'Error: Division by zero',
        isError: false,
      });
    },
    SLOW,
  );

  it('fetch_webpage: the page as Markdown, links and images absolute, scripts gone', async () => {
    const fetchWebpage = loadComponent(galleryTool('fetch_webpage'), ctx, 'tool');
    const result = await fetchWebpage.run({ url: `${base}/page` }, { signal: signal() });
    expect(result).toEqual({ content: `# TeamStream\n\nRuns **agent** teams. [Docs](${base}/docs)\n\n![logo](${base}/logo.png)`, isError: false });
    const text = await fetchWebpage.run({ url: `${base}/page`, include_images: false, max_length: 12 }, { signal: signal() });
    expect(text).toEqual({ content: '# TeamStream\n...(truncated)', isError: false });
    await expect(fetchWebpage.run({ url: `${base}/missing` }, { signal: signal() })).resolves.toMatchObject({
      isError: true,
      content: expect.stringContaining('404'),
    });
  });

  it('google_search: the Custom Search JSON API, the key sent only there, each page as content', async () => {
    const search = loadComponent(galleryTool('google_search'), ctx, 'tool');
    const result = await search.run({ query: 'agent teams', num_results: 20, country: 'uk' }, { signal: signal() });
    expect(result.isError).toBe(false);
    expect(JSON.parse(result.content)).toEqual([
      {
        title: 'TeamStream',
        link: `${base}/page`,
        snippet: 'Agent teams, streamed.',
        content: `# TeamStream\n\nRuns **agent** teams. [Docs](${base}/docs)\n\n![logo](${base}/logo.png)`,
      },
    ]);
    const request = new URL(seen.find((s) => s.url.startsWith('/customsearch/v1'))!.url, base);
    expect(Object.fromEntries(request.searchParams)).toEqual({
      key: 'g-key',
      cx: 'cx-1',
      q: 'agent teams',
      num: '10',
      hl: 'en',
      safe: 'active',
      gl: 'uk',
    });
    expect(seen.filter((s) => s.url.includes('g-key'))).toHaveLength(1);
  });

  it('bing_search: a clear error, the API being retired', async () => {
    const bing = loadComponent(galleryTool('bing_search'), ctx, 'tool');
    await expect(bing.run({ query: 'x' }, { signal: signal() })).resolves.toEqual({ content: `Error: ${BING_RETIRED}`, isError: true });
  });

  it('generate_image: OpenAI Images through the SDK, saved as PNG files under IMAGES_DIR', async () => {
    const generate = loadComponent(galleryTool('generate_image'), ctx, 'tool');
    const result = await generate.run({ query: 'a red panda', image_size: '256x256', output_dir: 'pandas' }, { signal: signal() });
    expect(result.isError).toBe(false);
    const [file] = JSON.parse(result.content) as string[];
    expect(path.dirname(file!)).toBe(path.join(imagesDir, 'pandas'));
    expect(readFileSync(file!).subarray(1, 4).toString()).toBe('PNG');
    const request = seen.find((s) => s.url === '/v1/images/generations')!;
    expect(request.headers.authorization).toBe('Bearer sk-images');
    expect(JSON.parse(request.body)).toMatchObject({ model: 'dall-e-3', prompt: 'a red panda', n: 1, response_format: 'b64_json', size: '256x256' });
    const escape = await generate.run({ query: 'x', output_dir: '../../etc' }, { signal: signal() });
    expect(escape).toMatchObject({ isError: true, content: expect.stringContaining('output_dir must be a folder inside') });
    expect(existsSync(path.join(imagesDir, '..', '..', 'etc', 'x'))).toBe(false);
  });

  it(
    'PythonCodeExecutionTool: the code runs in the sandbox',
    async () => {
      const code = loadComponent(galleryTool('CodeExecutor'), ctx, 'tool');
      await expect(code.run({ code: 'print(6 * 7)' }, { signal: signal() })).resolves.toEqual({ content: '42\n', isError: false });
    },
    SLOW,
  );

  it('web tools go through the egress policy: a loopback page is refused without EGRESS_ALLOW', async () => {
    const fetchWebpage = loadComponent(galleryTool('fetch_webpage'), { ...ctx, egress: new EgressPolicy() }, 'tool');
    const refused = await fetchWebpage.run({ url: `${base}/page` }, { signal: signal() });
    expect(refused).toMatchObject({ isError: true, content: expect.stringMatching(/^Error: Failed to fetch webpage: .*loopback/) });
  });
});
