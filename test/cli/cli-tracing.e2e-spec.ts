/**
 * `teamstream run` exports its run's spans when the standard OTEL_* variables say so, as the
 * server does: here OTLP over HTTP/JSON to a local collector stand-in that records what it is
 * sent (no network). The CLI is bundled with esbuild and run as a child process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../fakes/fake-http.js';
import { BundledCli } from '../support/cli.js';
import { FIXTURES_DIR } from '../support/engine/fixtures.js';

type Json = Record<string, any>;

let bundled: BundledCli;
let collector: Server;
let endpoint: string;
/** Every span the collector was sent, as OTLP/JSON spans. */
const spans: Json[] = [];

beforeAll(async () => {
  bundled = await BundledCli.build('teamstream-cli-tracing');
  collector = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const request = JSON.parse(body) as Json;
        for (const resource of request.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  bundled?.remove();
  await new Promise((resolve) => collector?.close(resolve));
});

/** An OTLP/JSON attribute list as a plain object. */
const attributesOf = (span: Json): Json => Object.fromEntries((span.attributes ?? []).map((a: Json) => [a.key, Object.values(a.value as Json)[0]]));

describe('teamstream run with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the run span (teamstream.front_end=cli, the team label) and its agent turn, model and tool spans before exiting', async () => {
    const { code, stderr } = await bundled.run(['run', path.join(FIXTURES_DIR, 'weather-tool.json'), '--task', 'Weather in Paris?'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'teamstream-cli-test' },
      timeoutMs: 30_000,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The command waited for the export: every span is there once it has exited.
    const run = spans.find((s) => s.name === 'run Weather chat');
    expect(run).toBeDefined();
    expect(attributesOf(run!)).toMatchObject({
      'teamstream.front_end': 'cli',
      'teamstream.team.label': 'Weather chat',
      'teamstream.run.status': 'complete',
    });
    const names = spans.filter((s) => s.traceId === run!.traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['invoke_agent chatbot', 'chat', 'execute_tool weather_forecast']));
  }, 60_000);
});
