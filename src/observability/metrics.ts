/**
 * Prometheus metrics (prom-client), on with METRICS=on. One registry per app (tests boot several
 * apps in one process): the standard process and Node.js metrics (CPU, memory, handles, event-loop
 * lag as `teamstream_nodejs_eventloop_lag_seconds`…), and the service's own gauges read at scrape
 * time from the live-run registry.
 */
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** Prefix of every metric this service exports. */
export const METRIC_PREFIX = 'teamstream_';

export interface MetricSources {
  /** Runs live in this process now. */
  liveRuns(): number;
}

/** A registry with the default metrics and the service's gauges. */
export function createMetricsRegistry(sources: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  new Gauge({
    name: `${METRIC_PREFIX}live_runs`,
    help: 'Runs live in this process (every front end: run socket, /ws/chat, /chat/completions, /api/validate/test)',
    registers: [registry],
    collect() {
      this.set(sources.liveRuns());
    },
  });
  return registry;
}
