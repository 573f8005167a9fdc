import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config/config.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { ModelCostLedger, ModelCostsModule } from '../runs/model-costs.js';
import { registerCostMetrics } from './cost-metrics.js';
import { createMetricsRegistry } from './metrics.js';
import { METRICS_REGISTRY, MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { ObservedRuns } from './observed-runs.js';
import { createRunMetrics, NO_RUN_METRICS, RUN_METRICS } from './run-metrics.js';

/**
 * Operations: Prometheus metrics when METRICS=on (on the API port, or METRICS_PORT). Global, so
 * every front end can inject RUN_METRICS (a no-op with METRICS off) and ObservedRuns without
 * importing this module.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.ops.metrics) {
      return {
        module: ObservabilityModule,
        global: true,
        providers: [{ provide: RUN_METRICS, useValue: NO_RUN_METRICS }, ObservedRuns],
        exports: [RUN_METRICS, ObservedRuns],
      };
    }
    return {
      module: ObservabilityModule,
      global: true,
      imports: [LiveRunsModule, ModelCostsModule],
      controllers: config.ops.metricsPort === undefined ? [MetricsController] : [],
      providers: [
        {
          provide: METRICS_REGISTRY,
          inject: [LiveRunRegistry, ModelCostLedger],
          useFactory: (runs: LiveRunRegistry, costs: ModelCostLedger) => {
            const registry = createMetricsRegistry({ liveRuns: () => runs.count() });
            registerCostMetrics(registry, costs);
            return registry;
          },
        },
        { provide: RUN_METRICS, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => createRunMetrics(registry) },
        MetricsServer,
        ObservedRuns,
      ],
      exports: [RUN_METRICS, ObservedRuns],
    };
  }
}
