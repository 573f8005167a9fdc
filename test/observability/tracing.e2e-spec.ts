/**
 * Tracing through the real server: the Node SDK started as main.ts starts it (before Nest and
 * express are loaded, so they are imported dynamically below), spans kept by an
 * InMemorySpanExporter (no network). A run over the run socket gives the run span with the saved
 * run's ids, its agent turn / chat / execute_tool spans and the journal's db.write spans, and REST
 * requests give HTTP SERVER spans.
 */
import { metrics, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashUserId } from '../../src/engine/index.js';
import { tracingEnabled } from '../../src/observability/tracing.js';
import { startInMemoryTracing } from '../support/in-memory-tracing.js';

const exporter = new InMemorySpanExporter();
let stopTracing: (() => Promise<void>) | undefined;
let t: import('../support/test-app.js').TestApp;
let support: {
  runs: typeof import('../support/runs.js');
  viewer: typeof import('../support/run-viewer.js');
  fixtures: typeof import('../support/fixtures.js');
};

beforeAll(async () => {
  stopTracing = await startInMemoryTracing(exporter);
  const { startTestApp } = await import('../support/test-app.js');
  support = {
    runs: await import('../support/runs.js'),
    viewer: await import('../support/run-viewer.js'),
    fixtures: await import('../support/fixtures.js'),
  };
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
  await stopTracing?.();
});

const finished = () => exporter.getFinishedSpans();
const childrenOf = (parent: ReadableSpan) => finished().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('tracing with the Node SDK (OTEL_SDK_DISABLED=false)', () => {
  it('is on only as the OTEL_* variables say', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: 'false' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
  });

  it('exports no metrics through OpenTelemetry (no meter provider) unless OTEL_METRICS_EXPORTER asks for it', () => {
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
  });

  it('a run over the run socket: run span with the run ids → invoke_agent → chat / execute_tool, and db.write spans', async () => {
    const team = support.fixtures.teamFixture('weather-tool');
    const { runId, sessionId } = await support.runs.createRun(t, team);
    const viewer = await support.viewer.RunViewer.open(t.baseUrl, runId);
    try {
      viewer.send({ type: 'start', task: 'Weather in Paris?', team_config: team });
      await expect(viewer.terminal()).resolves.toMatchObject({ type: 'result' });
    } finally {
      await viewer.close();
    }
    const runSpanOf = () => finished().find((s) => s.attributes['teamstream.run.id'] === String(runId) && s.name.startsWith('run'));
    await expect.poll(runSpanOf, { timeout: 10_000 }).toBeDefined();
    const runSpan = runSpanOf()!;
    expect(runSpan.name).toBe('run Weather chat');
    expect(runSpan.attributes).toMatchObject({
      'session.id': String(sessionId),
      'teamstream.team.label': 'Weather chat',
      'user.hash': hashUserId(support.runs.GUEST),
      'teamstream.run.status': 'complete',
    });
    const [turn] = childrenOf(runSpan).filter((s) => s.name === 'invoke_agent chatbot');
    expect(turn).toBeDefined();
    const names = childrenOf(turn!).map((s) => s.name);
    expect(names.filter((n) => n === 'chat')).toHaveLength(2);
    expect(names).toContain('execute_tool weather_forecast');

    // The journal's write batches join the run's trace as children of the run span.
    const writes = childrenOf(runSpan).filter((s) => s.name === 'db.write run_journal');
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(w.attributes['teamstream.run.id']).toBe(String(runId));
  });

  it('REST requests get HTTP SERVER spans from the http instrumentation (health probes do not)', async () => {
    await t.http.get('/api/teams/').query({ user_id: support.runs.GUEST }).expect(200);
    await t.http.get('/api/health').expect(200);
    const server = () => finished().filter((s) => s.kind === SpanKind.SERVER);
    await expect
      .poll(() => server().some((s) => String(s.attributes['url.path'] ?? s.attributes['http.target']).startsWith('/api/teams')))
      .toBe(true);
    expect(server().some((s) => String(s.attributes['url.path'] ?? s.attributes['http.target']).startsWith('/api/health'))).toBe(false);
  });
});

describe('what HTTP spans record', () => {
  const CANARY = 'eyJcanary.tokenpart.SIGNATURE123';
  /** Every attribute value of every finished span, as text. */
  const recorded = () => finished().flatMap((s) => [s.name, ...Object.values(s.attributes).map(String)]);

  it('a `token` query parameter is REDACTED in SERVER spans (url.query) and CLIENT spans (url.full)', async () => {
    await t.http.get('/api/teams/').query({ user_id: support.runs.GUEST, token: CANARY }).expect(200);
    await t.http.get('/api/runs/999999/stream').query({ token: CANARY });
    const teams = () =>
      finished().find(
        (s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/api/teams/' && String(s.attributes['url.query']).includes('token='),
      );
    await expect.poll(teams, { timeout: 10_000 }).toBeDefined();
    expect(String(teams()!.attributes['url.query'])).toContain('token=REDACTED');
    // supertest's own requests are CLIENT spans of this process.
    await expect
      .poll(() => finished().some((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).includes('/api/runs/999999/stream')), {
        timeout: 10_000,
      })
      .toBe(true);
    const client = finished().find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).includes('/api/runs/999999/stream'))!;
    expect(String(client.attributes['url.full'])).toContain('token=REDACTED');
    expect(recorded().filter((v) => v.includes('eyJcanary'))).toEqual([]);
  });

  it('a SERVER span is named `{method} {route}` with http.route once a route matched', async () => {
    await t.http.get('/api/teams/').query({ user_id: support.runs.GUEST }).expect(200);
    await expect
      .poll(() => finished().some((s) => s.kind === SpanKind.SERVER && s.name === 'GET /api/teams' && s.attributes['http.route'] === '/api/teams'), {
        timeout: 10_000,
      })
      .toBe(true);
    await t.http.get('/api/runs/999999/stream').query({ user_id: support.runs.GUEST });
    await expect
      .poll(
        () =>
          finished().some(
            (s) => s.kind === SpanKind.SERVER && s.name === 'GET /api/runs/:id/stream' && s.attributes['http.route'] === '/api/runs/:id/stream',
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
  });
});
