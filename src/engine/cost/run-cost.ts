/**
 * A run's cost, shaped as AG2's run completion reports it (`ChatResult.cost` /
 * `RunCompletionEvent.cost`, from AG2's gather_usage_summary): per model name `{cost,
 * prompt_tokens, completion_tokens, total_tokens}` beside `total_cost`, once including and once
 * excluding cached inference. Calls answered from this server's model cache carry no model and no
 * price, so both views hold the same priced calls here. USD.
 */
import type { RequestUsage } from '../messages.js';
import { costOf, type PriceTable } from './prices.js';
import { usageModel } from './usage-model.js';

export interface ModelCost {
  cost: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `total_cost` plus one entry per priced model (as the provider reported it). */
export type CostSummary = { total_cost: number } & { [model: string]: ModelCost | number };

export interface RunCost {
  usage_including_cached_inference: CostSummary;
  usage_excluding_cached_inference: CostSummary;
}

/** Sums the cost of a run's calls; `price` sets `usage.cost` on each call whose model is known. */
export class RunCostMeter {
  private readonly models = new Map<string, ModelCost>();

  constructor(private readonly prices: PriceTable) {}

  /**
   * Prices one call: sets `usage.cost` (USD) when the tagged model is in the table and returns
   * `{model, cost}`; leaves an unknown or untagged model's usage without any cost.
   */
  price(usage: RequestUsage | null | undefined): { model: string; cost: number } | undefined {
    if (!usage || usage.cost !== undefined) return undefined;
    const model = usageModel(usage);
    const found = model === undefined ? undefined : this.prices.lookup(model);
    if (!model || !found) return undefined;
    const cost = costOf(found.price, usage);
    usage.cost = cost;
    const sum = this.models.get(model) ?? { cost: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    sum.cost = round(sum.cost + cost);
    sum.prompt_tokens += usage.prompt_tokens;
    sum.completion_tokens += usage.completion_tokens;
    sum.total_tokens += usage.prompt_tokens + usage.completion_tokens;
    this.models.set(model, sum);
    return { model, cost };
  }

  /** The run's cost, or undefined when no call was priced (unknown models show usage only). */
  summary(): RunCost | undefined {
    if (this.models.size === 0) return undefined;
    const view = (): CostSummary => {
      const out: CostSummary = { total_cost: round([...this.models.values()].reduce((n, m) => n + m.cost, 0)) };
      for (const [model, sum] of this.models) out[model] = { ...sum };
      return out;
    };
    return { usage_including_cached_inference: view(), usage_excluding_cached_inference: view() };
  }
}

function round(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}
