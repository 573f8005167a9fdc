/**
 * AGS's `bing_search`: Microsoft retired the Bing Search APIs on 11 August 2025, so the tool
 * keeps AGS's name and parameters (configs load, the model sees the same schema) and every call
 * is an error result saying so.
 */
import { z } from 'zod';
import { tool, type Tool } from '../tool.js';

export const BING_RETIRED =
  'bing_search is unavailable: Microsoft retired the Bing Search APIs on 11 August 2025, so no search was made. Use google_search instead.';

export function bingSearchTool(): Tool {
  return tool({
    name: 'bing_search',
    description: 'Perform Bing searches using the Bing Web Search API (retired by Microsoft in August 2025: every call fails)',
    parameters: z.object({
      query: z.string().describe('Search query string'),
      num_results: z.number().int().default(3).describe('Number of results to return (max 50)'),
      include_snippets: z.boolean().default(true).describe('Include result snippets in output'),
      include_content: z.boolean().default(true).describe('Include full webpage content in markdown format'),
      content_max_length: z.number().int().nullish().default(10000).describe('Maximum length of webpage content (if included)'),
      language: z.string().default('en').describe("Language code for search results (e.g., 'en', 'es', 'fr')"),
      country: z.string().nullish().describe("Optional market code for search results (e.g., 'us', 'uk')"),
      safe_search: z.string().default('moderate').describe("SafeSearch setting ('off', 'moderate', or 'strict')"),
      response_filter: z.string().default('webpages').describe("Type of results ('webpages', 'news', 'images', or 'videos')"),
    }),
    execute: () => {
      throw new Error(BING_RETIRED);
    },
  });
}
