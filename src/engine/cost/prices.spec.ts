import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInPrices, costOf, loadPrices, PriceFileError, PriceTable } from './prices.js';
import { RunCostMeter } from './run-cost.js';
import type { RequestUsage } from '../messages.js';
import { tagUsageModel } from './usage-model.js';

function priceFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'prices-')), 'prices.json');
  writeFileSync(file, content);
  return file;
}

describe('price lookup by the model name the provider reports', () => {
  const table = builtInPrices();

  it('finds an exact name, case-insensitively', () => {
    expect(table.lookup('gpt-4o')?.model).toBe('gpt-4o');
    expect(table.lookup('GPT-4o-Mini')?.model).toBe('gpt-4o-mini');
  });

  it('drops a dated snapshot suffix (OpenAI -YYYY-MM-DD, Anthropic -YYYYMMDD) and -latest', () => {
    expect(table.lookup('gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
    expect(table.lookup('gpt-4o-mini-2024-07-18')?.model).toBe('gpt-4o-mini');
    expect(table.lookup('claude-3-5-sonnet-20241022')?.model).toBe('claude-3-5-sonnet');
    expect(table.lookup('claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(table.lookup('claude-3-5-haiku-latest')?.model).toBe('claude-3-5-haiku');
  });

  it('drops a leading provider/ (OpenRouter style)', () => {
    expect(table.lookup('openai/gpt-4o-mini')?.model).toBe('gpt-4o-mini');
  });

  it('does not price a different variant by its family prefix, nor an unknown model', () => {
    expect(table.lookup('gpt-4o-audio-preview')).toBeUndefined();
    expect(table.lookup('llama3.2')).toBeUndefined();
    expect(table.lookup('fake-model')).toBeUndefined();
  });
});

describe('cost arithmetic: USD = tokens / 1e6 × USD per million tokens', () => {
  it('prices input and output tokens', () => {
    // gpt-4o: $2.50 / 1M input, $10 / 1M output → 1000 × 2.5e-6 + 500 × 1e-5 = 0.0025 + 0.005
    expect(costOf({ input: 2.5, output: 10 }, { prompt_tokens: 1000, completion_tokens: 500 })).toBe(0.0075);
  });

  it('prices cached prompt tokens at the cached price, else at the input price', () => {
    const price = { input: 2.5, output: 10, cached_input: 1.25 };
    expect(costOf(price, { prompt_tokens: 1_000_000, completion_tokens: 0, cached_prompt_tokens: 400_000 })).toBe(1.5 + 0.5);
    expect(costOf({ input: 2, output: 8 }, { prompt_tokens: 1_000_000, completion_tokens: 0, cached_prompt_tokens: 400_000 })).toBe(2);
  });

  it('is 0 for no tokens and keeps tiny costs exact to 1e-10 USD', () => {
    expect(costOf({ input: 0.15, output: 0.6 }, { prompt_tokens: 0, completion_tokens: 0 })).toBe(0);
    expect(costOf({ input: 0.15, output: 0.6 }, { prompt_tokens: 7, completion_tokens: 3 })).toBe(0.00000285);
  });
});

describe('RunCostMeter (AG2 run completion cost shape)', () => {
  it('sets models_usage.cost on a known model and sums per model with total_cost', () => {
    const meter = new RunCostMeter(builtInPrices());
    const a = tagUsageModel<RequestUsage>({ prompt_tokens: 1000, completion_tokens: 100 }, 'gpt-4o-mini-2024-07-18');
    const b = tagUsageModel<RequestUsage>({ prompt_tokens: 2000, completion_tokens: 200 }, 'gpt-4o-mini-2024-07-18');
    expect(meter.price(a)).toEqual({ model: 'gpt-4o-mini-2024-07-18', cost: 0.00021 });
    meter.price(b);
    expect(a.cost).toBe(0.00021);
    expect(b.cost).toBe(0.00042);
    const view = {
      total_cost: 0.00063,
      'gpt-4o-mini-2024-07-18': { cost: 0.00063, prompt_tokens: 3000, completion_tokens: 300, total_tokens: 3300 },
    };
    expect(meter.summary()).toEqual({ usage_including_cached_inference: view, usage_excluding_cached_inference: view });
  });

  it('leaves an unknown or untagged usage without a cost field, and reports no run cost', () => {
    const meter = new RunCostMeter(builtInPrices());
    const unknown = tagUsageModel({ prompt_tokens: 10, completion_tokens: 1 }, 'fake-model');
    const untagged = { prompt_tokens: 10, completion_tokens: 1 };
    expect(meter.price(unknown)).toBeUndefined();
    expect(meter.price(untagged)).toBeUndefined();
    expect('cost' in unknown).toBe(false);
    expect('cost' in untagged).toBe(false);
    expect(meter.summary()).toBeUndefined();
  });
});

describe('MODEL_PRICES_FILE', () => {
  it('adds and replaces entries over the built-in table', () => {
    const file = priceFile(JSON.stringify({ models: { 'my-local-model': { input: 1, output: 2 }, 'GPT-4o': { input: 5, output: 20 } } }));
    const table = loadPrices(file);
    expect(table.lookup('my-local-model')?.price).toEqual({ input: 1, output: 2 });
    expect(table.lookup('gpt-4o-2024-08-06')?.price).toEqual({ input: 5, output: 20 });
    expect(table.lookup('gpt-4o-mini')?.price.input).toBe(0.15);
  });

  it('refuses a bad entry, naming the file and the entry', () => {
    const file = priceFile(JSON.stringify({ models: { 'my-model': { input: 'cheap', output: 2 } } }));
    expect(() => loadPrices(file)).toThrow(PriceFileError);
    expect(() => loadPrices(file)).toThrow(new RegExp(`MODEL_PRICES_FILE ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: models\\.my-model\\.input`));
  });

  it('refuses a negative price, an unknown key, a missing file and text that is not JSON', () => {
    expect(() => loadPrices(priceFile(JSON.stringify({ models: { m: { input: -1, output: 2 } } })))).toThrow(/models\.m\.input/);
    expect(() => loadPrices(priceFile(JSON.stringify({ models: { m: { input: 1, output: 2, cached: 1 } } })))).toThrow(/models\.m/);
    expect(() => loadPrices('/nonexistent/prices.json')).toThrow(/MODEL_PRICES_FILE \/nonexistent\/prices\.json: ENOENT/);
    expect(() => loadPrices(priceFile('{"models": '))).toThrow(PriceFileError);
  });

  it('is only the built-in table without a file', () => {
    expect(loadPrices(undefined).lookup('gpt-4o')?.price).toEqual(
      new PriceTable({ 'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 } }).lookup('gpt-4o')?.price,
    );
  });
});
