/**
 * OpenTelemetry tracing for the server: the Node SDK (`@opentelemetry/sdk-node`), started before
 * Nest and express are loaded (src/main.ts imports them only afterwards) so the HTTP
 * instrumentation sees every request. The engine makes its spans through `@opentelemetry/api`
 * only (src/engine/telemetry); without a started SDK those are no-ops.
 *
 * Off by default. On when the environment asks for it, with the standard variables:
 * - `OTEL_SDK_DISABLED=true` → off, whatever else is set (the specification's kill switch);
 * - `OTEL_TRACES_EXPORTER` set to anything but `none` → on (`otlp`, `console`, `zipkin`; the
 *   SDK's own reading, OTLP over http/protobuf unless `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` says);
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set → on (OTLP there);
 * - `OTEL_SDK_DISABLED=false` → on (OTLP to the default http://localhost:4318);
 * - otherwise off. (The specification's SDK is on unless disabled; a server that must not try to
 *   export to a collector nobody runs is off unless one of the above is set.)
 * Everything else is the SDK's standard reading: `OTEL_SERVICE_NAME` (default here `teamstream`),
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` / `_ARG`, `OTEL_PROPAGATORS`, `OTEL_BSP_*`,
 * `OTEL_EXPORTER_OTLP_HEADERS`… Metrics and logs are not exported through OpenTelemetry unless
 * `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` ask for it: the SDK would otherwise start an OTLP
 * metric exporter (its default) as soon as tracing is on; the service's metrics are Prometheus'
 * (`/metrics`) and its logs pino's.
 */
import { trace, type ProxyTracerProvider, type Span } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** How often buffered spans are exported once a shutdown signal arrived (ms). */
const DRAIN_FLUSH_MS = 500;

/** `service.name` when OTEL_SERVICE_NAME is not set. */
export const DEFAULT_SERVICE_NAME = 'teamstream';

/** Paths probed often and of no interest in a trace (health checks, Prometheus scrapes). */
const UNTRACED_PATHS = [/^\/api\/health(\/|$)/, /^\/metrics$/];

/**
 * Query parameters whose values a span never records (`url.query` of SERVER spans, `url.full` of
 * CLIENT spans: the value becomes `REDACTED`). The instrumentation's option replaces its built-in
 * list, so that list (signed-URL parameters, @opentelemetry/instrumentation-http 0.223) is repeated
 * here; to it come the ones that carry credentials here: `token` (the JWT that /api/runs/:id/stream,
 * /ws/… and EventSource clients pass under AUTH_TYPE=jwt), `access_token`, and the API-key
 * parameters some model APIs take (`key`, `api_key`, `api-key`).
 */
export const REDACTED_QUERY_PARAMS = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'token',
  'access_token',
  'key',
  'api_key',
  'api-key',
];

type Env = Record<string, string | undefined>;

const set = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/** Whether `env` turns tracing on (the rules in this file's header). */
export function tracingEnabled(env: Env = process.env): boolean {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase();
  if (disabled === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length > 0) return !(exporters.length === 1 && exporters[0] === 'none');
  if (set(env.OTEL_EXPORTER_OTLP_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return true;
  return disabled === 'false';
}

/** The engine's isThirdPartyEgressRequest once loaded (after the SDK started, so the engine's modules load instrumented). */
let thirdParty: (options: { agent?: unknown; headers?: unknown }) => boolean = () => false;

export interface StartTracingOptions {
  /** Replaces the exporter the environment names (tests: a SimpleSpanProcessor on an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** Export buffered spans every 0.5 s once one of these signals arrived (main.ts: SIGTERM, SIGINT). */
  flushOnSignals?: NodeJS.Signals[];
}

/** A started SDK. */
export interface Tracing {
  /** Exports what is buffered and stops the SDK; later spans are dropped. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Starts the Node SDK when {@link tracingEnabled}; resolves undefined (and loads nothing of the
 * SDK) when off. Await it before importing the modules to instrument (Nest, express).
 */
export async function startTracing(env: Env = process.env, options: StartTracingOptions = {}): Promise<Tracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const [{ NodeSDK }, { HttpInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  const sdk = new NodeSDK({
    ...(set(env.OTEL_SERVICE_NAME) ? {} : { serviceName: DEFAULT_SERVICE_NAME }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // No metric readers / log processors unless asked for by name (see the header): the SDK's
    // default is OTLP for both, which would push the HTTP instrumentation's metrics to the collector.
    ...(set(env.OTEL_METRICS_EXPORTER) ? {} : { metricReaders: [] }),
    ...(set(env.OTEL_LOGS_EXPORTER) ? {} : { logRecordProcessors: [] }),
    instrumentations: [
      // Incoming requests get SERVER spans; outgoing ones (the model and tool requests) CLIENT
      // spans under the engine's `chat` / `execute_tool`.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.some((p) => p.test((req.url ?? '').split('?')[0]!)),
        // An HttpTool's, an MCP server's… host is a third party: no span, so no `traceparent` sent to it.
        // (The engine is loaded once the SDK started, below; nothing goes out through it before.)
        ignoreOutgoingRequestHook: (options) => thirdParty(options),
        redactedQueryParams: REDACTED_QUERY_PARAMS,
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
        applyCustomAttributesOnSpan: (span, request) => nameServerSpan(span, request),
      }),
    ],
  });
  sdk.start();
  thirdParty = (await import('../engine/index.js')).isThirdPartyEgressRequest;
  let stopped: Promise<void> | undefined;
  const tracing: Tracing = { shutdown: () => (stopped ??= sdk.shutdown().catch(() => undefined)) };
  // The SDK registered its tracer provider globally; it is the one whose span processors flush.
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?: () => Promise<void> };
  const flush = () => (provider.forceFlush ? provider.forceFlush().catch(() => undefined) : Promise.resolve());
  for (const signal of options.flushOnSignals ?? []) flushDuringDrain(signal, flush);
  return tracing;
}

/**
 * A SERVER span is named `{method} {route}` with `http.route` (the route template, e.g.
 * `/api/teams/:id`) once express matched a route: express leaves the matched route on the request
 * (`req.route.path`, under `req.baseUrl` when mounted), read here when the response finished.
 * Requests no route matched (404s, the WebSocket upgrades) keep the instrumentation's name (`GET`).
 */
function nameServerSpan(span: Span, request: unknown): void {
  const req = request as { method?: string; baseUrl?: unknown; route?: { path?: unknown } };
  // A CLIENT span's request (a ClientRequest) has no `route`.
  if (typeof req.route?.path !== 'string') return;
  const route = `${typeof req.baseUrl === 'string' ? req.baseUrl : ''}${req.route.path}`;
  span.setAttribute('http.route', route);
  span.updateName(`${req.method ?? 'GET'} ${route}`);
}

/**
 * Nest's shutdown hook drains the server on `signal` and then exits by the signal, with no hook
 * left in which to await an export. So from the first `signal` on, buffered spans are exported
 * every {@link DRAIN_FLUSH_MS} ms (an unref'd timer: it never keeps the process alive); the spans
 * of the drain's last moments may be lost. SHUTDOWN_GRACE_S still bounds the whole.
 */
function flushDuringDrain(signal: NodeJS.Signals, flush: () => Promise<void>): void {
  process.once(signal, () => {
    void flush();
    setInterval(() => void flush(), DRAIN_FLUSH_MS).unref();
  });
}
