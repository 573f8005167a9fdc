/**
 * Model prices for runs and the process's running cost per model (README, Operating it: Cost).
 * The price table is the engine's built-in one with MODEL_PRICES_FILE laid over it, read once at
 * start-up: a bad file stops the start with a PriceFileError naming the file and the bad entry.
 */
import { Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { loadPrices, usageModel, type AgentMessage, type PriceTable } from '../engine/index.js';

/** Injection token of the PriceTable runs are priced with. */
export const MODEL_PRICES = Symbol('MODEL_PRICES');

/** USD spent per model (as the provider reported it) since the process started; read by /metrics. */
@Injectable()
export class ModelCostLedger {
  private readonly totals = new Map<string, number>();

  constructor(@Inject(MODEL_PRICES) readonly prices: PriceTable) {}

  /** Counts the cost of one priced message (`models_usage.cost`, USD) under its model. */
  record(model: string, usd: number): void {
    this.totals.set(model, (this.totals.get(model) ?? 0) + usd);
  }

  /** Counts a message the run driver priced (its `models_usage.cost`) under the model that reported it. */
  recordMessage(message: AgentMessage): void {
    const usage = message.models_usage;
    const model = usage ? usageModel(usage) : undefined;
    if (usage?.cost !== undefined && model) this.record(model, usage.cost);
  }

  /** Each model's USD total so far. */
  entries(): [string, number][] {
    return [...this.totals];
  }
}

/** The price table and the ledger, shared by the run socket and /metrics (one instance per app). */
@Module({
  providers: [
    { provide: MODEL_PRICES, inject: [APP_CONFIG], useFactory: (config: AppConfig): PriceTable => loadPrices(config.ops.modelPricesFile) },
    ModelCostLedger,
  ],
  exports: [MODEL_PRICES, ModelCostLedger],
})
export class ModelCostsModule {}
