/**
 * The tools a team config may name. An AGS FunctionTool resolves here by its `name` first; only
 * a name found nowhere here runs its Python source, in the sandbox. Operators add tools by
 * registering them (built-ins, the demo gallery, or JS modules in TOOLS_DIR).
 */
import type { Tool } from './tool.js';

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Iterable<Tool> = []) {
    for (const t of tools) this.register(t);
  }

  /** Adds a tool; a second tool with the same name is refused rather than silently replacing. */
  register(t: Tool): this {
    if (this.tools.has(t.name)) throw new Error(`A tool named "${t.name}" is already registered`);
    this.tools.set(t.name, t);
    return this;
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  names(): string[] {
    return [...this.tools.keys()].sort();
  }
}
