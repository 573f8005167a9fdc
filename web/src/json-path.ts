/**
 * Where a JSON path (as /api/validate/ names it: `config.participants[1].config.name`) sits in
 * the JSON text the user typed: the character range of its value, or of the nearest parent that
 * exists. A small position-keeping scan of the text; JSON.parse gives no positions.
 */
export interface Range {
  from: number;
  to: number;
}

/** `config.participants[1].name` → ['config', 'participants', '1', 'name']. */
export function pathSegments(path: string): string[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '' && s !== 'component');
}

/** Every value's range in `text`, keyed by its path joined with dots; null when `text` is not JSON. */
export function valueRanges(text: string): Map<string, Range> | null {
  const ranges = new Map<string, Range>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`bad JSON at ${i}`);
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string[]): void => {
    ws();
    const from = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail();
          const key = string();
          ws();
          if (text[i++] !== ':') fail();
          value([...path, key]);
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') {
            i++;
            break;
          } else fail();
        }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else
        for (let n = 0; ; n++) {
          value([...path, String(n)]);
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            break;
          } else fail();
        }
    } else if (c === '"') string();
    else {
      const match = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (!match) fail();
      i += match![0].length;
    }
    ranges.set(path.join('.'), { from, to: i });
  };
  try {
    value([]);
    ws();
    return i === text.length ? ranges : null;
  } catch {
    return null;
  }
}

/** The range of `path`'s value in `text`, else of its nearest existing parent (whole text at worst). */
export function locate(text: string, path: string, ranges = valueRanges(text)): Range {
  const segments = pathSegments(path);
  for (let n = segments.length; n >= 0; n--) {
    const found = ranges?.get(segments.slice(0, n).join('.'));
    if (found) return found;
  }
  return { from: 0, to: Math.min(text.length, 1) };
}
