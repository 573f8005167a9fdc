/**
 * W3C trace context on outgoing requests: the model and tool HTTP requests the engine makes carry
 * `traceparent` (and `tracestate`) of the span they are made in, so a model gateway's traces join
 * the run's. With no SDK registered the propagator is the API's no-op and nothing is added.
 */
import { context, propagation } from '@opentelemetry/api';

/** Adds the active context's propagation headers to `headers` (lower-case names, as node:http sends them). */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers, {
    set: (carrier, key, value) => {
      carrier[key.toLowerCase()] = value;
    },
  });
}
