/**
 * Model prices for runs and the process's running cost per model (README, Operating it: Cost).
 * The price table is the engine's built-in one with MODEL_PRICES_FILE laid over it, read once as
 * the app initialises: a bad file stops the start (app.init() rejects) with a PriceFileError
 * naming the file and the bad entry.
 */
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { loadPrices, usageModel, type AgentMessage, type PriceTable } from '../engine/index.js';

/** The prices runs are priced with, and USD spent per model since the process started (read by /metrics). */
@Injectable()
export class ModelCostLedger implements OnModuleInit {
  private table!: PriceTable;
  private readonly totals = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Reads the price table; an init hook rather than a provider factory, so a bad file rejects the start instead of aborting the process. */
  onModuleInit(): void {
    this.table = loadPrices(this.config.ops.modelPricesFile);
  }

  /** The built-in table with MODEL_PRICES_FILE over it (read in onModuleInit, before any run starts). */
  get prices(): PriceTable {
    return this.table;
  }

  /** Counts a message the run driver priced (its `models_usage.cost`, USD) under the model that reported it. */
  recordMessage(message: AgentMessage): void {
    const usage = message.models_usage;
    const model = usage ? usageModel(usage) : undefined;
    if (usage?.cost !== undefined && model) this.totals.set(model, (this.totals.get(model) ?? 0) + usage.cost);
  }

  /** Each model's USD total so far. */
  entries(): [string, number][] {
    return [...this.totals];
  }
}

/** The ledger, shared by the run socket and /metrics (one instance per app). */
@Module({ providers: [ModelCostLedger], exports: [ModelCostLedger] })
export class ModelCostsModule {}
