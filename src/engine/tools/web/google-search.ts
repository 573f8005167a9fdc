/**
 * AGS's `google_search`, in TypeScript: the Google Programmable Search (Custom Search) JSON API,
 * optionally with each result's page as Markdown. Same parameters and result shape (a list of
 * {title, link, snippet?, content?}, as JSON). The API key goes only to the API's endpoint,
 * through the egress policy like every other request of a run.
 */
import { z } from 'zod';
import { tool, type Tool, type ToolContext } from '../tool.js';
import { fetchMarkdown, type PageLimits } from './fetch-webpage.js';
import { capText, getText } from './http.js';

export const GOOGLE_SEARCH_ENDPOINT = 'https://www.googleapis.com/customsearch/v1';

export interface GoogleSearchOptions {
  /** GOOGLE_API_KEY and GOOGLE_CSE_ID. */
  apiKey?: string;
  cseId?: string;
  /** The API's URL (a test's fake); default the real one. */
  endpoint?: string;
  limits: PageLimits;
}

const ItemsSchema = z.object({
  items: z.array(z.object({ title: z.string().optional(), link: z.string().optional(), snippet: z.string().optional() }).loose()).optional(),
});

export function googleSearchTool(options: GoogleSearchOptions): Tool {
  return tool({
    name: 'google_search',
    description: 'Perform Google searches using the Custom Search API with optional webpage content fetching',
    parameters: z.object({
      query: z.string().describe('Search query string'),
      num_results: z.number().int().default(3).describe('Number of results to return (max 10)'),
      include_snippets: z.boolean().default(true).describe('Include result snippets in output'),
      include_content: z.boolean().default(true).describe('Include full webpage content in markdown format'),
      content_max_length: z.number().int().nullish().default(10000).describe('Maximum length of webpage content (if included)'),
      language: z.string().default('en').describe('Language code for search results (e.g., en, es, fr)'),
      country: z.string().nullish().describe('Optional country code for search results (e.g., us, uk)'),
      safe_search: z.boolean().default(true).describe('Enable safe search filtering'),
    }),
    execute: async (args, context) => {
      if (!options.apiKey || !options.cseId) throw new Error('Missing required environment variables. Please set GOOGLE_API_KEY and GOOGLE_CSE_ID.');
      const url = new URL(options.endpoint ?? GOOGLE_SEARCH_ENDPOINT);
      const params: Record<string, string> = {
        key: options.apiKey,
        cx: options.cseId,
        q: args.query,
        num: String(Math.min(Math.max(1, args.num_results), 10)),
        hl: args.language,
        safe: args.safe_search ? 'active' : 'off',
        ...(args.country ? { gl: args.country } : {}),
      };
      for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
      let data: z.infer<typeof ItemsSchema>;
      try {
        const response = await getText(context, url.href, { timeoutMs: options.limits.timeoutMs, maxBytes: options.limits.maxBytes });
        // The API's error body never goes back to the model: it may repeat the request's key.
        if (!response.ok) throw new Error(`the search API answered HTTP ${response.status}`);
        data = ItemsSchema.parse(JSON.parse(response.text));
      } catch (error) {
        if (context.signal.aborted) throw error;
        throw new Error(`Error during search: ${redact((error as Error).message, options.apiKey)}`, { cause: error });
      }
      const results: Record<string, string>[] = [];
      for (const item of data.items ?? []) {
        const result: Record<string, string> = { title: item.title ?? '', link: item.link ?? '' };
        if (args.include_snippets) result.snippet = item.snippet ?? '';
        if (args.include_content) result.content = await pageContent(context, result.link!, args.content_max_length, options.limits);
        results.push(result);
      }
      return capText(JSON.stringify(results), options.limits.maxOutputChars);
    },
  });
}

/** A result's page as Markdown; a page that cannot be fetched says so in its place, as AGS's does. */
export async function pageContent(context: ToolContext, link: string, maxLength: number | null | undefined, limits: PageLimits): Promise<string> {
  try {
    return await fetchMarkdown(context, link, { includeImages: true, maxLength: maxLength ?? 50_000, limits });
  } catch (error) {
    if (context.signal.aborted) throw error;
    return `Error fetching content: ${(error as Error).message}`;
  }
}

function redact(message: string, secret: string): string {
  return message.split(secret).join('***');
}
