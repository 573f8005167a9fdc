import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
import { ModelCostLedger, ModelCostsModule } from '../runs/model-costs.js';
import { registerCostMetrics } from './cost-metrics.js';
import { createMetricsRegistry } from './metrics.js';
import { METRICS_REGISTRY, MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';

/** Operations: Prometheus metrics when METRICS=on (on the API port, or METRICS_PORT). */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.ops.metrics) return { module: ObservabilityModule };
    return {
      module: ObservabilityModule,
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
        MetricsServer,
      ],
    };
  }
}
