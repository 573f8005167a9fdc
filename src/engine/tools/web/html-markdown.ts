/**
 * HTML to Markdown for fetch_webpage and google_search's page contents, in the spirit of the
 * html2text settings AGS's tools use (no line wrapping; links, images, emphasis and tables
 * kept; scripts and styles dropped; links and images made absolute).
 *
 * In-house because this change could add no dependency but pyodide (README, "Python tools").
 * It is a forgiving reader, not a validating parser: unknown tags are walked through,
 * unclosed ones closed at their parent's end, stray closing tags ignored.
 */

interface Element {
  tag: string;
  attrs: Map<string, string>;
  children: Node[];
}
type Node = Element | string;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose content is not page text. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'head', 'select', 'button']);
/** Opening one of these closes an open element of the same kind (and, for cells, rows, items). */
const SELF_CLOSING_SIBLINGS: Record<string, string[]> = { li: ['li'], p: ['p'], tr: ['tr', 'td', 'th'], td: ['td', 'th'], th: ['td', 'th'], dt: ['dt', 'dd'], dd: ['dt', 'dd'], option: ['option'] };
const SCOPES = new Set(['ul', 'ol', 'table', 'tbody', 'thead', 'tfoot', 'dl', 'div', 'section', 'article', 'blockquote', 'body']);
const BLOCKS = new Set(['address', 'article', 'aside', 'body', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'html', 'main', 'nav', 'p', 'section', 'summary', 'tbody', 'thead', 'tfoot', 'caption']);

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', middot: '·', bull: '•', euro: '€', pound: '£', yen: '¥', cent: '¢',
  deg: '°', times: '×', divide: '÷', para: '¶', sect: '§', shy: '',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);?/g, (all, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[name.toLowerCase()] ?? all;
  });
}

function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    attrs.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

/** Builds a forgiving tree of `html`. */
export function parseHtml(html: string): Element {
  const root: Element = { tag: '#root', attrs: new Map(), children: [] };
  const stack: Element[] = [root];
  const top = () => stack[stack.length - 1]!;
  const token = /<!--[\s\S]*?(?:-->|$)|<![^>]*>|<\?[^>]*>|<(\/?)([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  let last = 0;
  for (let m = token.exec(html); m; m = token.exec(html)) {
    if (m.index > last) top().children.push(html.slice(last, m.index));
    last = token.lastIndex;
    const name = m[2]?.toLowerCase();
    if (!name) continue;
    if (m[1]) {
      const at = stack.map((e) => e.tag).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    const siblings = SELF_CLOSING_SIBLINGS[name];
    if (siblings) {
      for (let i = stack.length - 1; i > 0 && !SCOPES.has(stack[i]!.tag); i--) {
        if (siblings.includes(stack[i]!.tag)) {
          stack.length = i;
          break;
        }
      }
    }
    const element: Element = { tag: name, attrs: parseAttributes(m[3] ?? ''), children: [] };
    top().children.push(element);
    if (SKIPPED.has(name) && !VOID.has(name)) {
      // Raw content: skip to the matching end tag.
      const end = html.toLowerCase().indexOf(`</${name}`, last);
      last = end < 0 ? html.length : end;
      token.lastIndex = last;
      continue;
    }
    if (!VOID.has(name) && !m[3]?.trimEnd().endsWith('/')) stack.push(element);
  }
  if (last < html.length) top().children.push(html.slice(last));
  return root;
}

export interface MarkdownOptions {
  /** The page's URL: relative links and images are made absolute against it. */
  baseUrl: string;
  includeImages: boolean;
}

/** The Markdown of an HTML page. */
export function htmlToMarkdown(html: string, options: MarkdownOptions): string {
  const body = render(parseHtml(html), { ...options, pre: false, list: [] });
  // Whitespace between tags leaves lines starting with a space: drop it, except in code blocks
  // and where it is a nested list item's indent.
  let fenced = false;
  const lines = body.split('\n').map((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) return line.trimEnd();
    const indent = /^\s+(?=(\*|\d+\.) )/.exec(line)?.[0] ?? '';
    return indent + line.trim().replace(/ {2,}/g, ' ');
  });
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

interface RenderState extends MarkdownOptions {
  pre: boolean;
  /** Enclosing lists: kind and the next number. */
  list: { ordered: boolean; next: number }[];
}

function absolute(url: string | undefined, base: string): string | undefined {
  if (!url || /^\s*javascript:/i.test(url)) return undefined;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

function inline(children: Node[], state: RenderState): string {
  return children.map((c) => render(c, state)).join('');
}

function render(node: Node, state: RenderState): string {
  if (typeof node === 'string') {
    const text = decodeEntities(node);
    return state.pre ? text : text.replace(/\s+/g, ' ');
  }
  const { tag } = node;
  if (SKIPPED.has(tag)) return '';
  const inner = () => inline(node.children, state);
  const heading = /^h([1-6])$/.exec(tag);
  if (heading) return `\n\n${'#'.repeat(Number(heading[1]))} ${inner().trim()}\n\n`;
  switch (tag) {
    case 'br':
      return '\n';
    case 'hr':
      return '\n\n* * *\n\n';
    case 'strong':
    case 'b':
      return wrap(inner(), '**');
    case 'em':
    case 'i':
      return wrap(inner(), '_');
    case 'code':
      return state.pre ? inner() : wrap(inner(), '`');
    case 'pre':
      return `\n\n\`\`\`\n${inline(node.children, { ...state, pre: true }).replace(/^\n|\n$/g, '')}\n\`\`\`\n\n`;
    case 'a': {
      const text = inner().trim();
      const href = absolute(node.attrs.get('href'), state.baseUrl);
      return href && text ? `[${text}](${href})` : text;
    }
    case 'img': {
      if (!state.includeImages) return '';
      const src = absolute(node.attrs.get('src'), state.baseUrl);
      return src ? `![${node.attrs.get('alt') ?? ''}](${src})` : '';
    }
    case 'ul':
    case 'ol': {
      const list = [...state.list, { ordered: tag === 'ol', next: Number(node.attrs.get('start') ?? 1) || 1 }];
      return `\n\n${inline(node.children, { ...state, list })}\n\n`;
    }
    case 'li': {
      const level = state.list[state.list.length - 1];
      const marker = level?.ordered ? `${level.next++}. ` : '* ';
      // Continuation lines, nested lists included, are indented under the item's text.
      const text = inner().trim().replace(/\n+/g, '\n  ');
      return `\n${marker}${text}`;
    }
    case 'blockquote':
      return `\n\n${inner()
        .trim()
        .split('\n')
        .map((line) => `> ${line}`)
        .join('\n')}\n\n`;
    case 'table':
      return renderTable(node, state);
    case 'td':
    case 'th':
      return ` ${inner().trim()} |`;
    case 'tr':
      return `\n|${inner()}`;
    default:
      return BLOCKS.has(tag) ? `\n\n${inner()}\n\n` : inner();
  }
}

function wrap(text: string, mark: string): string {
  const trimmed = text.trim();
  if (!trimmed) return text;
  const lead = text.startsWith(' ') ? ' ' : '';
  const tail = text.endsWith(' ') ? ' ' : '';
  return `${lead}${mark}${trimmed}${mark}${tail}`;
}

function rowsOf(element: Element): Element[] {
  return element.children.flatMap((c) => (typeof c === 'string' ? [] : c.tag === 'tr' ? [c] : ['thead', 'tbody', 'tfoot'].includes(c.tag) ? rowsOf(c) : []));
}

function renderTable(table: Element, state: RenderState): string {
  const rows = rowsOf(table).map((tr) =>
    tr.children.flatMap((c) => (typeof c !== 'string' && (c.tag === 'td' || c.tag === 'th') ? [inline(c.children, state).replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim()] : [])),
  );
  if (!rows.length) return inline(table.children, state);
  const width = Math.max(...rows.map((r) => r.length));
  const line = (cells: string[]) => `| ${[...cells, ...Array<string>(width - cells.length).fill('')].join(' | ')} |`;
  return `\n\n${[line(rows[0]!), line(Array<string>(width).fill('---')), ...rows.slice(1).map(line)].join('\n')}\n\n`;
}
