/**
 * The registered tools for AGS's gallery tools that need the network: their Python calls web
 * APIs, which the sandbox cannot reach, so they are TypeScript, under the same names.
 */
import type { BoundCredential } from '../../egress/credentials.js';
import type { Tool } from '../tool.js';
import { bingSearchTool } from './bing-search.js';
import { fetchWebpageTool, type PageLimits } from './fetch-webpage.js';
import { generateImageTool } from './generate-image.js';
import { googleSearchTool } from './google-search.js';

export interface WebToolsOptions {
  /** TOOL_MAX_OUTPUT_CHARS. */
  maxOutputChars: number;
  /** GOOGLE_API_KEY / GOOGLE_CSE_ID, and (tests) the API's URL. */
  google?: { apiKey?: string | undefined; cseId?: string | undefined; endpoint?: string };
  /** The server's OpenAI key bound to its endpoint, for generate_image. */
  openai?: BoundCredential;
  /** IMAGES_DIR. */
  imagesDir: string;
  /** Per request; default 10 s (AGS's), 120 s for an image. */
  timeoutMs?: number;
  /** Largest page body read; default 5 MB. */
  maxPageBytes?: number;
}

/** fetch_webpage, google_search, bing_search (which reports its retirement) and generate_image. */
export function webTools(options: WebToolsOptions): Tool[] {
  const limits: PageLimits = {
    timeoutMs: options.timeoutMs ?? 10_000,
    maxBytes: options.maxPageBytes ?? 5 * 1024 * 1024,
    maxOutputChars: options.maxOutputChars,
  };
  return [
    fetchWebpageTool(limits),
    googleSearchTool({
      ...(options.google?.apiKey ? { apiKey: options.google.apiKey } : {}),
      ...(options.google?.cseId ? { cseId: options.google.cseId } : {}),
      ...(options.google?.endpoint ? { endpoint: options.google.endpoint } : {}),
      limits,
    }),
    bingSearchTool(),
    generateImageTool({
      ...(options.openai ? { credential: options.openai } : {}),
      imagesDir: options.imagesDir,
      timeoutMs: options.timeoutMs ?? 120_000,
    }),
  ];
}
