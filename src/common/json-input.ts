/**
 * The one check every client JSON value passes before anything else looks at it: nesting no
 * deeper than MAX_JSON_DEPTH, and no NUL (`\u0000`) in any string or key. It walks the value
 * once, iteratively, so a value nested 100,000 levels deep is refused rather than overflowing
 * the stack. V8's JSON.parse is itself iterative; what recurses is everything after it (zod's
 * `z.json()`, secret redaction, JSON.stringify), hence the check right after parsing.
 *
 * NUL is refused everywhere, not only where a string is stored: PostgreSQL's text columns cannot
 * hold it (the write fails), and no name, id, reason or task has a use for it.
 */

/** MAX_JSON_DEPTH's default. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export type JsonInputProblem = { kind: 'too_deep'; maxDepth: number } | { kind: 'nul'; path: (string | number)[] };

interface Node {
  value: unknown;
  /** Containers above this value (the root is at 0). */
  depth: number;
  parent: Node | undefined;
  key: string | number | undefined;
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
  return path;
}

function isWalkedObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The first problem of a parsed JSON value (or query object), or null when it is fine. */
export function findJsonInputProblem(value: unknown, maxDepth: number): JsonInputProblem | null {
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      if (v.includes('\0')) return { kind: 'nul', path: pathOf(node) };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > maxDepth) return { kind: 'too_deep', maxDepth };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, parent: node, key: i });
    } else if (isWalkedObject(v)) {
      for (const key of Object.keys(v)) {
        const child: Node = { value: v[key], depth, parent: node, key };
        if (key.includes('\0')) return { kind: 'nul', path: pathOf(child) };
        stack.push(child);
      }
    }
  }
  return null;
}

/** The problem as a sentence for the client; `what` names the value (`Request body`, `Frame`). */
export function describeJsonInputProblem(problem: JsonInputProblem, what: string): string {
  if (problem.kind === 'too_deep') return `${what} is nested deeper than ${problem.maxDepth} levels (MAX_JSON_DEPTH)`;
  const where = problem.path.length > 0 ? problem.path.join('.') : what;
  return `${where}: must not contain the NUL character (\\u0000)`;
}
