/**
 * The model-cost counter of /metrics: `teamstream_model_cost_usd_total{model}`, USD spent on model
 * calls by runs of the run socket since the process started, per model as the provider reported
 * it. Read at scrape time from the ModelCostLedger; a model without a price adds nothing.
 */
import { Counter, type Registry } from 'prom-client';
import type { ModelCostLedger } from '../runs/model-costs.js';
import { METRIC_PREFIX } from './metrics.js';

/** Registers the cost counter on `registry`. */
export function registerCostMetrics(registry: Registry, ledger: ModelCostLedger): void {
  new Counter({
    name: `${METRIC_PREFIX}model_cost_usd_total`,
    help: 'USD spent on model calls of runs (models with a known price; README, Operating it: Cost)',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [model, usd] of ledger.entries()) this.inc({ model }, usd);
    },
  });
}
