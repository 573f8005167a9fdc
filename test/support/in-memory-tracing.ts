/**
 * The Node SDK started as main.ts starts it (OTEL_SDK_DISABLED=false), exporting to `exporter` in
 * memory, for e2e specs that assert spans. Start it before the app's modules are imported (the HTTP
 * instrumentation patches node:http as it starts); call the returned function after the app is
 * closed: it shuts the SDK down and clears the global API state, so the next file starts clean.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { SimpleSpanProcessor, type InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/observability/tracing.js';

export async function startInMemoryTracing(exporter: InMemorySpanExporter): Promise<() => Promise<void>> {
  const tracing = await startTracing({ OTEL_SDK_DISABLED: 'false' }, { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return async () => {
    await tracing?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  };
}

/**
 * Tracing to `exporter` first, then a test app (loaded only now, after the SDK, as main.ts loads
 * it) and a fake chat-completions server. `close` ends them in the opposite order.
 */
export async function startTracedTestApp(
  exporter: InMemorySpanExporter,
  options: import('./test-app.js').TestAppOptions = {},
): Promise<{
  t: import('./test-app.js').TestApp;
  model: import('../fakes/chat-completions-server.js').ChatCompletionsServer;
  close: () => Promise<void>;
}> {
  const stopTracing = await startInMemoryTracing(exporter);
  const { startTestApp } = await import('./test-app.js');
  const { startChatCompletionsServer } = await import('../fakes/chat-completions-server.js');
  const model = await startChatCompletionsServer();
  const t = await startTestApp(options);
  return {
    t,
    model,
    close: async () => {
      await t.close();
      await model.close();
      await stopTracing();
    },
  };
}
