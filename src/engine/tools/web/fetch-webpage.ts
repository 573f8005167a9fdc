/**
 * AGS's `fetch_webpage`, in TypeScript (its Python needs httpx, BeautifulSoup and html2text,
 * and the network, none of which the sandbox has): GET a page through the egress policy and
 * return it as Markdown. Same parameters, same result, same error wording.
 */
import { z } from 'zod';
import { tool, type Tool, type ToolContext } from '../tool.js';
import { capText, getText } from './http.js';
import { htmlToMarkdown } from './html-markdown.js';

/** The User-Agent AGS's tool sends when the model gives no headers. */
export const DEFAULT_HEADERS = { 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36' };

export interface PageLimits {
  timeoutMs: number;
  maxBytes: number;
  maxOutputChars: number;
}

/** The page at `url` as Markdown, cut at `maxLength` as AGS's helper does. Throws with AGS's messages. */
export async function fetchMarkdown(
  context: ToolContext,
  url: string,
  options: { includeImages: boolean; maxLength: number | null | undefined; headers?: Record<string, string> | null; limits: PageLimits },
): Promise<string> {
  let page;
  try {
    page = await getText(context, url, {
      headers: options.headers ?? DEFAULT_HEADERS,
      timeoutMs: options.limits.timeoutMs,
      maxBytes: options.limits.maxBytes,
    });
  } catch (error) {
    if (context.signal.aborted) throw error;
    throw new Error(`Failed to fetch webpage: ${describe(error)}`, { cause: error });
  }
  if (!page.ok) throw new Error(`Error processing webpage: Client error '${page.status}' for url '${url}'`);
  let markdown = htmlToMarkdown(page.text, { baseUrl: url, includeImages: options.includeImages });
  if (options.maxLength && markdown.length > options.maxLength) markdown = `${markdown.slice(0, options.maxLength)}\n...(truncated)`;
  return capText(markdown.trim(), options.limits.maxOutputChars);
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'the request timed out';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

export function fetchWebpageTool(limits: PageLimits): Tool {
  return tool({
    name: 'fetch_webpage',
    description: 'Fetch a webpage and convert it to markdown format, with options for including images and limiting length',
    parameters: z.object({
      url: z.string().describe('The URL of the webpage to fetch'),
      include_images: z.boolean().default(true).describe('Whether to include image references in the markdown'),
      max_length: z.number().int().nullish().describe('Maximum length of the output markdown (if None, no limit)'),
      headers: z.record(z.string(), z.string()).nullish().describe('Optional HTTP headers for the request'),
    }),
    execute: ({ url, include_images, max_length, headers }, context) =>
      fetchMarkdown(context, url, { includeImages: include_images, maxLength: max_length, headers, limits }),
  });
}
