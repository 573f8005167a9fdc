/**
 * HTML to Markdown for `fetch_webpage` (AGS's gallery tool: html2text in Python): the page's
 * links and images made absolute against its URL, then node-html-markdown for the conversion.
 */
import { NodeHtmlMarkdown } from 'node-html-markdown';
import { parse } from 'node-html-parser';

export interface MarkdownOptions {
  /** The page's URL: relative links and image sources resolve against it. */
  baseUrl: string;
  /** Keep images as `![alt](src)`; without, they are dropped. */
  includeImages: boolean;
}

const converter = new NodeHtmlMarkdown({ ignore: ['script', 'style', 'noscript', 'head', 'template'] });

/** `href` made absolute against `base`; undefined for what no reader can follow (`javascript:`, malformed). */
function absolute(href: string, base: string): string | undefined {
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The page as Markdown: headings, emphasis, lists, tables, code and quotes; scripts and styles left out. */
export function htmlToMarkdown(html: string, options: MarkdownOptions): string {
  const root = parse(html, { comment: false });
  for (const link of root.querySelectorAll('a[href]')) {
    const href = absolute(link.getAttribute('href') ?? '', options.baseUrl);
    if (href) link.setAttribute('href', href);
    // A link that goes nowhere keeps its text only.
    else link.replaceWith(link.innerHTML);
  }
  for (const image of root.querySelectorAll('img')) {
    const src = options.includeImages ? absolute(image.getAttribute('src') ?? '', options.baseUrl) : undefined;
    if (src) image.setAttribute('src', src);
    else image.remove();
  }
  return converter.translate(root.toString()).trim();
}
