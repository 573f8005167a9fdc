/**
 * The built-in model price table (USD per million tokens), as data: `as_of` and `source` say where
 * the numbers come from. A TypeScript module rather than a .json file so that every build (nest
 * build, the CLI bundle, the test servers' per-file transform) carries it without a copy step.
 */
export const MODEL_PRICES = {
  as_of: '2025-10-01',
  source:
    "The providers' public price pages: https://openai.com/api/pricing, https://www.anthropic.com/pricing (API), https://ai.google.dev/gemini-api/docs/pricing, https://api-docs.deepseek.com/quick_start/pricing. Standard tier, no batch discount, prompts under any long-context threshold.",
  unit: 'USD per million tokens',
  models: {
    'gpt-5': { input: 1.25, output: 10, cached_input: 0.125 },
    'gpt-5-mini': { input: 0.25, output: 2, cached_input: 0.025 },
    'gpt-5-nano': { input: 0.05, output: 0.4, cached_input: 0.005 },
    'gpt-4.1': { input: 2, output: 8, cached_input: 0.5 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6, cached_input: 0.1 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4, cached_input: 0.025 },
    'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
    'gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075 },
    'gpt-4-turbo': { input: 10, output: 30 },
    'gpt-4': { input: 30, output: 60 },
    'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
    o1: { input: 15, output: 60, cached_input: 7.5 },
    'o1-mini': { input: 1.1, output: 4.4, cached_input: 0.55 },
    o3: { input: 2, output: 8, cached_input: 0.5 },
    'o3-mini': { input: 1.1, output: 4.4, cached_input: 0.55 },
    'o4-mini': { input: 1.1, output: 4.4, cached_input: 0.275 },
    'claude-opus-4-1': { input: 15, output: 75, cached_input: 1.5 },
    'claude-opus-4': { input: 15, output: 75, cached_input: 1.5 },
    'claude-sonnet-4-5': { input: 3, output: 15, cached_input: 0.3 },
    'claude-sonnet-4': { input: 3, output: 15, cached_input: 0.3 },
    'claude-haiku-4-5': { input: 1, output: 5, cached_input: 0.1 },
    'claude-3-7-sonnet': { input: 3, output: 15, cached_input: 0.3 },
    'claude-3-5-sonnet': { input: 3, output: 15, cached_input: 0.3 },
    'claude-3-5-haiku': { input: 0.8, output: 4, cached_input: 0.08 },
    'claude-3-opus': { input: 15, output: 75, cached_input: 1.5 },
    'claude-3-haiku': { input: 0.25, output: 1.25, cached_input: 0.03 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cached_input: 0.31 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cached_input: 0.075 },
    'gemini-2.0-flash': { input: 0.1, output: 0.4, cached_input: 0.025 },
    'gemini-1.5-pro': { input: 1.25, output: 5 },
    'gemini-1.5-flash': { input: 0.075, output: 0.3 },
    'deepseek-chat': { input: 0.27, output: 1.1, cached_input: 0.07 },
    'deepseek-reasoner': { input: 0.55, output: 2.19, cached_input: 0.14 },
  },
};
