import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { LiveRunRegistry } from '../live-runs/live-run-registry.js';
import { LiveRunsModule } from '../live-runs/live-runs.module.js';
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
      imports: [LiveRunsModule],
      controllers: config.ops.metricsPort === undefined ? [MetricsController] : [],
      providers: [
        {
          provide: METRICS_REGISTRY,
          inject: [LiveRunRegistry],
          useFactory: (runs: LiveRunRegistry) => createMetricsRegistry({ liveRuns: () => runs.count() }),
        },
        MetricsServer,
      ],
    };
  }
}
