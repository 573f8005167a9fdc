/**
 * Reads a Python function's signature and docstring from its source, without running it, and
 * derives the tool schema AgentChat would: a pydantic model of the parameters (AgentChat's
 * `args_base_model_from_signature`), one property per parameter with its JSON type, `title`,
 * `default` and `description` (the `Annotated[...]` string, else, our addition, the docstring's
 * `Args:` line, else the parameter's name), `required` for those without a default.
 *
 * This runs at load time, which is synchronous, so it is TypeScript and not Python: it reads the
 * usual annotations (builtins, typing's generics, Optional/Union/`|`, Literal, Annotated, Path).
 * An annotation it cannot read becomes `{}` (any value), as does a missing one; the function's
 * own checks in the sandbox still apply.
 */

export interface PythonParameter {
  name: string;
  /** Source text of the annotation, if any. */
  annotation?: string;
  /** Source text of the default, if any. */
  default?: string;
}

export interface PythonFunction {
  name: string;
  isAsync: boolean;
  parameters: PythonParameter[];
  docstring?: string;
}

type JsonSchema = Record<string, unknown>;

/** The top-level function `name` of `source` (`def` or `async def`); undefined when there is none. */
export function findPythonFunction(source: string, name: string): PythonFunction | undefined {
  const masked = maskStringsAndComments(source);
  const defs = [...masked.matchAll(/^(async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(/gm)];
  const chosen = defs.find((m) => m[2] === name);
  if (!chosen) return undefined;
  const open = chosen.index + chosen[0].length - 1;
  const close = matchingBracket(masked, open);
  if (close < 0) return undefined;
  const code = maskStringsAndComments(source, { strings: false });
  const parameters = splitTopLevel(masked.slice(open + 1, close), code.slice(open + 1, close), ',').flatMap(parseParameter);
  const colon = findTopLevel(masked, ':', close + 1);
  return { name: chosen[2]!, isAsync: Boolean(chosen[1]), parameters, docstring: colon < 0 ? undefined : readDocstring(source, masked, colon + 1) };
}

/** The `parameters` JSON schema AgentChat derives for `fn`. */
export function parametersSchema(fn: PythonFunction): JsonSchema {
  const argsDoc = fn.docstring ? docstringArgs(fn.docstring) : new Map<string, string>();
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const p of fn.parameters) {
    // AgentChat passes cancellation_token itself; the model never sees it.
    if (p.name === 'cancellation_token') continue;
    const node = p.annotation === undefined ? undefined : parseTypeExpression(p.annotation);
    const schema: { schema: JsonSchema; description?: string } = node ? typeSchema(node) : { schema: {} };
    const property: JsonSchema = { ...schema.schema, title: fieldTitle(p.name) };
    if (p.default !== undefined) {
      const value = parsePythonLiteral(p.default);
      if (value.ok) property.default = value.value;
    } else {
      required.push(p.name);
    }
    property.description = schema.description ?? argsDoc.get(p.name) ?? p.name;
    properties[p.name] = property;
  }
  return required.length ? { type: 'object', properties, required } : { type: 'object', properties };
}

/** The docstring's summary: its first paragraph, on one line. */
export function docstringSummary(docstring: string | undefined): string | undefined {
  const first = docstring
    ?.split(/\n\s*\n/)[0]
    ?.replace(/\s+/g, ' ')
    .trim();
  return first || undefined;
}

// ---------------------------------------------------------------------------------------------
// Source scanning

/** `source` with every comment and (unless `strings` is false) every string's contents blanked; same length, newlines kept. */
function maskStringsAndComments(source: string, { strings = true } = {}): string {
  const out = source.split('');
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') out[i++] = ' ';
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = source.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < source.length && !source.startsWith(quote, j)) {
        if (source[j] === '\\') j += 1;
        else if (!triple && source[j] === '\n') break;
        j += 1;
      }
      if (strings) for (let k = i + quote.length; k < Math.min(j, source.length); k++) if (source[k] !== '\n') out[k] = ' ';
      i = j + quote.length;
      continue;
    }
    i += 1;
  }
  return out.join('');
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function matchingBracket(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const ch = masked[i]!;
    if (ch in OPENERS) depth += 1;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function findTopLevel(masked: string, target: string, from: number): number {
  let depth = 0;
  for (let i = from; i < masked.length; i++) {
    const ch = masked[i]!;
    if (ch in OPENERS) depth += 1;
    else if (ch === ')' || ch === ']' || ch === '}') depth -= 1;
    else if (depth === 0 && ch === target) return i;
  }
  return -1;
}

/** Splits `original` at the top-level occurrences of `separator` found in `masked` (same text, blanked). */
function splitTopLevel(masked: string, original: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i]!;
    if (ch in OPENERS) depth += 1;
    else if (ch === ')' || ch === ']' || ch === '}') depth -= 1;
    else if (depth === 0 && ch === separator) {
      parts.push(original.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(original.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseParameter(text: string): PythonParameter[] {
  // `/` and `*` are markers; *args and **kwargs take no named argument from the model.
  if (text === '/' || text === '*' || text.startsWith('*')) return [];
  const masked = maskStringsAndComments(text);
  const equals = indexOfDefault(masked);
  const head = equals < 0 ? text : text.slice(0, equals);
  const colon = findTopLevel(maskStringsAndComments(head), ':', 0);
  const name = (colon < 0 ? head : head.slice(0, colon)).trim();
  if (!/^[A-Za-z_]\w*$/.test(name)) return [];
  const annotation = colon < 0 ? undefined : head.slice(colon + 1).trim() || undefined;
  const fallback = equals < 0 ? undefined : text.slice(equals + 1).trim();
  return [{ name, ...(annotation ? { annotation } : {}), ...(fallback !== undefined ? { default: fallback } : {}) }];
}

/** The `=` that starts a parameter's default (top level, not part of `==`, `<=`, `>=`, `!=`). */
function indexOfDefault(masked: string): number {
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i]!;
    if (ch in OPENERS) depth += 1;
    else if (ch === ')' || ch === ']' || ch === '}') depth -= 1;
    else if (depth === 0 && ch === '=' && masked[i + 1] !== '=' && !'=<>!'.includes(masked[i - 1] ?? '')) return i;
  }
  return -1;
}

function readDocstring(source: string, masked: string, from: number): string | undefined {
  let i = from;
  while (i < masked.length && /\s/.test(masked[i]!)) i += 1;
  const literal = /^[rRuU]?("""|'''|"|')/.exec(source.slice(i));
  if (!literal) return undefined;
  const quote = literal[1]!;
  const start = i + literal[0].length;
  let end = start;
  while (end < masked.length && !masked.startsWith(quote, end)) end += 1;
  const raw = source.slice(start, end);
  const text = /^[rR]/.test(literal[0]) ? raw : unescapePython(raw);
  return cleandoc(text);
}

/** Python's inspect.cleandoc: strip the first line, dedent the rest by their common indent. */
function cleandoc(text: string): string {
  const lines = text.split('\n');
  const rest = lines.slice(1);
  const indents = rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const margin = indents.length ? Math.min(...indents) : 0;
  return [lines[0]!.trim(), ...rest.map((l) => l.slice(margin).trimEnd())].join('\n').trim();
}

/** The `Args:` section of a Google-style docstring: parameter name → its description. */
function docstringArgs(docstring: string): Map<string, string> {
  const found = new Map<string, string>();
  const lines = docstring.split('\n');
  const start = lines.findIndex((l) => /^(Args|Arguments|Parameters):\s*$/.test(l.trim()));
  if (start < 0) return found;
  let current: string | undefined;
  let indent = -1;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) continue;
    const depth = line.length - line.trimStart().length;
    if (indent < 0) indent = depth;
    if (depth < indent || depth === 0) break;
    const entry = depth === indent ? /^\s*\**([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(.*)$/.exec(line) : null;
    if (entry) {
      current = entry[1]!;
      found.set(current, entry[2]!.trim());
    } else if (current) {
      found.set(current, `${found.get(current)} ${line.trim()}`.trim());
    }
  }
  return found;
}

/** pydantic's default field title: `output_dir` → `Output Dir`. */
function fieldTitle(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join(' ');
}

function unescapePython(text: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', '\n': '' };
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.|\n)/g, (all, esc: string) => {
    if (esc.length > 1) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return simple[esc] ?? all;
  });
}

// ---------------------------------------------------------------------------------------------
// Python expressions: annotations and literal defaults

type TypeNode =
  | { kind: 'name'; name: string }
  | { kind: 'subscript'; name: string; args: TypeNode[] }
  | { kind: 'union'; options: TypeNode[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'list'; items: TypeNode[] };

type Token = { type: 'name' | 'string' | 'number' | 'punct'; text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:([A-Za-z_][\w.]*)|([rRbBuU]{0,2}(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))|(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(\.\.\.|[[\](),|{}:]))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const m = pattern.exec(text);
    if (!m) return undefined;
    index = pattern.lastIndex;
    if (m[1]) tokens.push({ type: 'name', text: m[1] });
    else if (m[2]) tokens.push({ type: 'string', text: m[2] });
    else if (m[3]) tokens.push({ type: 'number', text: m[3] });
    else tokens.push({ type: 'punct', text: m[4]! });
  }
  return tokens;
}

function stringValue(token: string): string {
  const prefix = /^[rRbBuU]*/.exec(token)![0];
  const body = token.slice(prefix.length + 1, -1);
  return /[rR]/.test(prefix) ? body : unescapePython(body);
}

export function parseTypeExpression(text: string): TypeNode | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (punct: string) => {
    if (peek()?.text !== punct) throw new Error(`expected ${punct}`);
    pos += 1;
  };
  const primary = (): TypeNode => {
    const token = tokens[pos++];
    if (!token) throw new Error('unexpected end');
    if (token.type === 'string') {
      // A forward reference: the annotation is in the string.
      return { kind: 'literal', value: stringValue(token.text) };
    }
    if (token.type === 'number') return { kind: 'literal', value: Number(token.text) };
    if (token.text === '[') {
      const items: TypeNode[] = [];
      while (peek()?.text !== ']') {
        items.push(union());
        if (peek()?.text === ',') pos += 1;
      }
      expect(']');
      return { kind: 'list', items };
    }
    if (token.text === '...') return { kind: 'literal', value: null };
    if (token.type !== 'name') throw new Error(`unexpected ${token.text}`);
    if (token.text === 'None') return { kind: 'name', name: 'None' };
    if (token.text === 'True' || token.text === 'False') return { kind: 'literal', value: token.text === 'True' };
    if (peek()?.text === '[') {
      pos += 1;
      const args: TypeNode[] = [];
      while (peek()?.text !== ']') {
        args.push(union());
        if (peek()?.text === ',') pos += 1;
        else if (peek()?.text !== ']') throw new Error('expected , or ]');
      }
      expect(']');
      return { kind: 'subscript', name: token.text, args };
    }
    return { kind: 'name', name: token.text };
  };
  const union = (): TypeNode => {
    const options = [primary()];
    while (peek()?.text === '|') {
      pos += 1;
      options.push(primary());
    }
    return options.length === 1 ? options[0]! : { kind: 'union', options };
  };
  try {
    const node = union();
    return pos === tokens.length ? node : undefined;
  } catch {
    return undefined;
  }
}

/** The last part of a dotted name: `typing.List` → `List`. */
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

const NAMED: Record<string, JsonSchema> = {
  str: { type: 'string' },
  int: { type: 'integer' },
  float: { type: 'number' },
  bool: { type: 'boolean' },
  bytes: { type: 'string', format: 'binary' },
  None: { type: 'null' },
  NoneType: { type: 'null' },
  list: { type: 'array', items: {} },
  List: { type: 'array', items: {} },
  Sequence: { type: 'array', items: {} },
  tuple: { type: 'array', items: {} },
  Tuple: { type: 'array', items: {} },
  set: { type: 'array', items: {}, uniqueItems: true },
  Set: { type: 'array', items: {}, uniqueItems: true },
  dict: { type: 'object', additionalProperties: true },
  Dict: { type: 'object', additionalProperties: true },
  Mapping: { type: 'object', additionalProperties: true },
  Path: { type: 'string', format: 'path' },
  PurePath: { type: 'string', format: 'path' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  Any: {},
  object: {},
};

const ARRAYS = new Set(['list', 'List', 'Sequence', 'Iterable', 'set', 'Set', 'frozenset', 'FrozenSet']);
const MAPPINGS = new Set(['dict', 'Dict', 'Mapping', 'MutableMapping']);

/** The JSON schema of a type node (as pydantic's TypeAdapter gives), and an Annotated description. */
function typeSchema(node: TypeNode): { schema: JsonSchema; description?: string } {
  switch (node.kind) {
    case 'name':
      return { schema: { ...(NAMED[baseName(node.name)] ?? {}) } };
    case 'literal': {
      if (typeof node.value === 'string') {
        // A string annotation is a forward reference to the type it names.
        const inner = parseTypeExpression(node.value);
        return inner && inner.kind !== 'literal' ? typeSchema(inner) : { schema: {} };
      }
      return { schema: {} };
    }
    case 'list':
      return { schema: {} };
    case 'union':
      return { schema: unionSchema(node.options) };
    case 'subscript': {
      const name = baseName(node.name);
      const [first, second] = node.args;
      if (name === 'Annotated' && first) {
        const inner = typeSchema(first);
        const text = node.args.slice(1).find((a) => a.kind === 'literal' && typeof a.value === 'string');
        return { schema: inner.schema, description: text ? String((text as { value: string }).value) : inner.description };
      }
      if (name === 'Optional' && first) return { schema: unionSchema([first, { kind: 'name', name: 'None' }]) };
      if (name === 'Union') return { schema: unionSchema(node.args) };
      if (name === 'Literal') return { schema: literalSchema(node.args) };
      if (ARRAYS.has(name)) {
        const schema: JsonSchema = { type: 'array', items: first ? typeSchema(first).schema : {} };
        if (name.toLowerCase().includes('set')) schema.uniqueItems = true;
        return { schema };
      }
      if (name === 'tuple' || name === 'Tuple') {
        if (second?.kind === 'literal' && second.value === null) return { schema: { type: 'array', items: typeSchema(first!).schema } };
        const items = node.args.map((a) => typeSchema(a).schema);
        return { schema: { type: 'array', prefixItems: items, minItems: items.length, maxItems: items.length } };
      }
      if (MAPPINGS.has(name)) {
        const values = second ? typeSchema(second).schema : {};
        return { schema: { type: 'object', additionalProperties: Object.keys(values).length ? values : true } };
      }
      return { schema: {} };
    }
  }
}

function unionSchema(options: TypeNode[]): JsonSchema {
  const schemas = options.flatMap((o) => (o.kind === 'union' ? o.options : [o])).map((o) => typeSchema(o).schema);
  if (schemas.some((s) => Object.keys(s).length === 0)) return {};
  return { anyOf: schemas };
}

function literalSchema(args: TypeNode[]): JsonSchema {
  const values = args.map((a) => (a.kind === 'literal' ? a.value : a.kind === 'name' && a.name === 'None' ? null : undefined));
  if (values.some((v) => v === undefined)) return {};
  const types = new Set(values.map((v) => (v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
  const type = types.size === 1 ? [...types][0] : undefined;
  const schema: JsonSchema = values.length === 1 ? { const: values[0] } : { enum: values };
  if (type) schema.type = type;
  return schema;
}

/** A Python literal (numbers, strings, True/False/None, lists, tuples, dicts of them) as JSON. */
export function parsePythonLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  const tokens = tokenize(text);
  if (!tokens) return { ok: false };
  let pos = 0;
  const value = (): unknown => {
    const token = tokens[pos++];
    if (!token) throw new Error('unexpected end');
    if (token.type === 'number') return Number(token.text);
    if (token.type === 'string') {
      let joined = stringValue(token.text);
      // Adjacent literals concatenate.
      while (tokens[pos]?.type === 'string') joined += stringValue(tokens[pos++]!.text);
      return joined;
    }
    if (token.type === 'name') {
      if (token.text === 'True') return true;
      if (token.text === 'False') return false;
      if (token.text === 'None') return null;
      throw new Error('not a literal');
    }
    const close = { '[': ']', '(': ')', '{': '}' }[token.text];
    if (!close) throw new Error('not a literal');
    if (token.text === '{') {
      const object: Record<string, unknown> = {};
      while (tokens[pos]?.text !== '}') {
        const key = value();
        if (tokens[pos++]?.text !== ':') throw new Error('expected :');
        object[String(key)] = value();
        if (tokens[pos]?.text === ',') pos += 1;
      }
      pos += 1;
      return object;
    }
    const items: unknown[] = [];
    while (tokens[pos]?.text !== close) {
      items.push(value());
      if (tokens[pos]?.text === ',') pos += 1;
      else if (tokens[pos]?.text !== close) throw new Error('expected ,');
    }
    pos += 1;
    return items;
  };
  try {
    const result = value();
    return pos === tokens.length ? { ok: true, value: result } : { ok: false };
  } catch {
    return { ok: false };
  }
}
