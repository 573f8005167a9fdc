/**
 * The graph of a GraphFlow as DiGraphBuilder writes it (AgentChat's DiGraph / DiGraphNode /
 * DiGraphEdge), and AgentChat's checks of it. Only string conditions come from JSON: an edge
 * whose `condition` is a string is taken when that string is in the text of the message its
 * source node said (AgentChat's `to_model_text`); callable conditions cannot be written in a
 * config (AgentChat drops them on dump).
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';

export const DiGraphEdgeSchema = z.object({
  target: z.string().min(1),
  condition: z.string().nullish(),
  activation_group: z.string().nullish(),
  activation_condition: z.enum(['all', 'any']).nullish(),
});

export const DiGraphSchema = z.object({
  nodes: z.record(
    z.string(),
    z.object({
      name: z.string().min(1),
      edges: z.array(DiGraphEdgeSchema).nullish(),
      activation: z.enum(['all', 'any']).nullish(),
    }),
  ),
  default_start_node: z.string().nullish(),
});

export interface DiGraphEdge {
  target: string;
  condition: string | null;
  /** Edges into the same target with the same group are counted together; default the target's name. */
  activation_group: string;
  /** "all": every edge of the group must fire; "any": one does. */
  activation_condition: 'all' | 'any';
}

export interface DiGraphNode {
  name: string;
  edges: DiGraphEdge[];
  activation: 'all' | 'any';
}

/** A checked graph, every default filled in as AgentChat fills it (and dumps it). */
export interface DiGraph {
  nodes: Record<string, DiGraphNode>;
  default_start_node: string | null;
}

/** Fills AgentChat's defaults in and runs its checks (graph_validate); throws ConfigError at `config.graph…`. */
export function checkDiGraph(raw: z.output<typeof DiGraphSchema>): { graph: DiGraph; hasCycles: boolean } {
  const nodes: Record<string, DiGraphNode> = {};
  for (const [key, node] of Object.entries(raw.nodes)) {
    if (node.name !== key) throw new ConfigError(`config.graph.nodes.${key}.name`, `the node under "${key}" is named "${node.name}"`);
    nodes[key] = {
      name: node.name,
      edges: (node.edges ?? []).map((e) => ({
        target: e.target,
        condition: e.condition ?? null,
        activation_group: e.activation_group || e.target,
        activation_condition: e.activation_condition ?? 'all',
      })),
      activation: node.activation ?? 'all',
    };
  }
  const graph: DiGraph = { nodes, default_start_node: raw.default_start_node ?? null };
  const names = Object.keys(nodes);
  if (names.length === 0) throw new ConfigError('config.graph.nodes', 'Graph has no nodes.');
  for (const node of Object.values(nodes)) {
    node.edges.forEach((e, i) => {
      if (!nodes[e.target]) throw new ConfigError(`config.graph.nodes.${node.name}.edges[${i}].target`, `"${e.target}" is not a node of the graph`);
    });
    const conditional = node.edges.filter((e) => e.condition !== null).length;
    if (conditional > 0 && conditional < node.edges.length) {
      throw new ConfigError(`config.graph.nodes.${node.name}.edges`, `Node '${node.name}' has a mix of conditional and unconditional edges.`);
    }
  }
  if (graph.default_start_node !== null && !nodes[graph.default_start_node]) {
    throw new ConfigError('config.graph.default_start_node', `"${graph.default_start_node}" is not a node of the graph`);
  }
  if (startNodes(graph).length === 0) throw new ConfigError('config.graph', 'Graph must have at least one start node');
  if (!Object.values(nodes).some((n) => n.edges.length === 0)) throw new ConfigError('config.graph', 'Graph must have at least one leaf node');
  const groups = new Map<string, string>();
  for (const node of Object.values(nodes)) {
    for (const e of node.edges) {
      const key = `${e.target}\u0000${e.activation_group}`;
      const seen = groups.get(key);
      if (seen !== undefined && seen !== e.activation_condition) {
        throw new ConfigError(
          `config.graph.nodes.${node.name}.edges`,
          `Conflicting activation conditions for target '${e.target}' group '${e.activation_group}': '${seen}' and '${e.activation_condition}' (from node '${node.name}')`,
        );
      }
      groups.set(key, e.activation_condition);
    }
  }
  return { graph, hasCycles: checkCycles(graph) };
}

/** The entry point if set, else every node no edge points to (AgentChat's get_start_nodes, in node order). */
export function startNodes(graph: DiGraph): string[] {
  if (graph.default_start_node) return [graph.default_start_node];
  const targets = new Set(Object.values(graph.nodes).flatMap((n) => n.edges.map((e) => e.target)));
  return Object.keys(graph.nodes).filter((n) => !targets.has(n));
}

/** How many edges point to each target, per activation group (AgentChat's get_remaining_map). */
export function remainingMap(graph: DiGraph): Record<string, Record<string, number>> {
  const remaining: Record<string, Record<string, number>> = {};
  for (const node of Object.values(graph.nodes)) {
    for (const e of node.edges) {
      const groups = (remaining[e.target] ??= {});
      groups[e.activation_group] = (groups[e.activation_group] ?? 0) + 1;
    }
  }
  return remaining;
}

/** Whether the graph has a cycle; a cycle none of whose nodes has a conditional edge is refused (AgentChat's has_cycles_with_exit). */
function checkCycles(graph: DiGraph): boolean {
  const visited = new Set<string>();
  const onStack = new Set<string>();
  const path: string[] = [];
  let found = false;
  const visit = (name: string): void => {
    visited.add(name);
    onStack.add(name);
    path.push(name);
    for (const e of graph.nodes[name]!.edges) {
      if (!visited.has(e.target)) visit(e.target);
      else if (onStack.has(e.target)) {
        const cycle = path.slice(path.indexOf(e.target));
        if (cycle.every((n) => graph.nodes[n]!.edges.every((edge) => edge.condition === null))) {
          throw new ConfigError('config.graph', `Cycle detected without exit condition: ${[...cycle, cycle[0]].join(' -> ')}`);
        }
        found = true;
      }
    }
    onStack.delete(name);
    path.pop();
  };
  for (const name of Object.keys(graph.nodes)) if (!visited.has(name)) visit(name);
  return found;
}
