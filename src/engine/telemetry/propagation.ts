/**
 * W3C trace context on model requests: a model client's HTTP requests carry `traceparent` (and
 * `tracestate`) of the span they are made in, so a model gateway's traces join the run's. Only
 * model clients wrap their fetch with it: a page the web surfer opens, an HttpTool's or an MCP
 * server's host is a third party and gets no trace ids. With no SDK registered the propagator is
 * the API's no-op and nothing is added.
 */
import { context, propagation } from '@opentelemetry/api';

/** `fetch` with the active context's propagation headers added to every request it sends. */
export function withTraceContext(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
    return fetch(input, { ...init, headers });
  };
}
