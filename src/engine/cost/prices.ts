/**
 * Model prices and the cost of a model call. A price is USD per million tokens (input, output and,
 * where the provider has one, cached input), as the providers' price pages give it. The built-in
 * table is `model-prices.ts` (its `as_of` and `source` say where the numbers come from); an
 * operator's table (MODEL_PRICES_FILE) is laid over it, entry by entry.
 *
 * A model is looked up by the name the provider reports for the call, case-insensitively: the exact
 * name first, then without a leading `<provider>/` (OpenRouter style), then without a release
 * suffix: a date (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`) or `-latest`. So
 * `gpt-4o-2024-08-06` is priced as `gpt-4o`, while `gpt-4o-mini` keeps its own entry; a name with
 * any other suffix (`gpt-4o-audio-preview`) is unknown unless the table lists it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MODEL_PRICES as builtIn } from './model-prices.js';

/** USD per million tokens. `cached_input` defaults to `input` when a provider has no cache price. */
export interface ModelPrice {
  input: number;
  output: number;
  cached_input?: number;
}

/** Token counts of one call (RequestUsage); `cached_prompt_tokens` are part of `prompt_tokens`. */
export interface PricedTokens {
  prompt_tokens: number;
  completion_tokens: number;
  cached_prompt_tokens?: number;
}

const price = z
  .object({
    input: z.number().finite().min(0),
    output: z.number().finite().min(0),
    cached_input: z.number().finite().min(0).optional(),
  })
  .strict();

const table = z.object({ models: z.record(z.string().min(1), price) }).passthrough();

/** Said when a price file cannot be read or is not a price table; names the file and the entry. */
export class PriceFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`MODEL_PRICES_FILE ${file}: ${detail}`);
    this.name = 'PriceFileError';
  }
}

/** A lookup of prices by reported model name (see the module comment for the matching rules). */
export class PriceTable {
  private readonly prices = new Map<string, ModelPrice>();

  constructor(entries: Record<string, ModelPrice>) {
    for (const [name, p] of Object.entries(entries)) this.prices.set(name.toLowerCase(), p);
  }

  /** The entry `name` is priced by, or undefined for an unknown model. */
  lookup(name: string): { model: string; price: ModelPrice } | undefined {
    for (const candidate of candidates(name.trim().toLowerCase())) {
      const p = this.prices.get(candidate);
      if (p) return { model: candidate, price: p };
    }
    return undefined;
  }

  /** The table with `overrides` laid over it: an entry there replaces the same name here. */
  extend(overrides: Record<string, ModelPrice>): PriceTable {
    return new PriceTable({ ...Object.fromEntries(this.prices), ...lowerKeys(overrides) });
  }
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

function* candidates(name: string): Generator<string> {
  yield name;
  const bare = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
  if (bare !== name) yield bare;
  if (DATE_SUFFIX.test(bare)) yield bare.replace(DATE_SUFFIX, '');
}

function lowerKeys(entries: Record<string, ModelPrice>): Record<string, ModelPrice> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The cost in USD of one call: tokens / 1e6 × price per million, cached prompt tokens at the cached
 * price (the input price when there is none). Rounded to 1e-10 USD so sums of floats stay readable.
 */
export function costOf(p: ModelPrice, tokens: PricedTokens): number {
  const cached = Math.min(tokens.cached_prompt_tokens ?? 0, tokens.prompt_tokens);
  const usd = ((tokens.prompt_tokens - cached) * p.input + cached * (p.cached_input ?? p.input) + tokens.completion_tokens * p.output) / 1e6;
  return Math.round(usd * 1e10) / 1e10;
}

/** The built-in table (model-prices.ts). */
export function builtInPrices(): PriceTable {
  return new PriceTable(table.parse(builtIn).models);
}

/**
 * The built-in table, extended by the operator's JSON file when `file` is given: `{"models":
 * {"<name>": {"input": n, "output": n, "cached_input"?: n}}}`, USD per million tokens.
 * @throws PriceFileError naming the file and the bad entry when the file is unreadable or wrong
 */
export function loadPrices(file?: string): PriceTable {
  const base = builtInPrices();
  if (!file) return base;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PriceFileError(file, error instanceof Error ? error.message : String(error));
  }
  const parsed = table.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new PriceFileError(
      file,
      `${where}: ${issue.message} (expected {"models": {"<model>": {"input": USD/1M, "output": USD/1M, "cached_input"?: USD/1M}}})`,
    );
  }
  return base.extend(parsed.data.models);
}
