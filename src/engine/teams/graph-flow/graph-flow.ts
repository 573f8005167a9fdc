/**
 * GraphFlow: participants speak along a directed graph (AgentChat's GraphFlow and its
 * GraphFlowManager). The start nodes speak first; when a node has spoken, each of its edges
 * whose condition holds (no condition, or its string in the node's message) counts towards the
 * edge's target: an "all" activation group needs every one of its edges, an "any" group one.
 * Every node that became ready speaks in the next round, concurrently (fan-out); a join waits
 * for its group. The run stops with "Digraph execution is complete" when no node is ready (and
 * the graph starts over on the next run), or earlier on the termination condition or max_turns
 * (a round counts as one turn, as AgentChat counts it), and then continues from there.
 * A cyclic graph needs a termination condition or max_turns, as AgentChat requires.
 */
import { z } from 'zod';
import { ConfigError, RunStateError } from '../../errors.js';
import { messageToText, type AgentMessage } from '../../messages.js';
import { BaseGroupChat, type GroupChatOptions } from '../group-chat.js';
import { checkDiGraph, remainingMap, startNodes, type DiGraph, type DiGraphSchema } from './digraph.js';

export const DIGRAPH_STOP_MESSAGE = 'Digraph execution is complete';

export interface GraphFlowOptions extends Omit<GroupChatOptions, 'emitTeamEvents'> {
  graph: z.output<typeof DiGraphSchema>;
}

const GraphStateSchema = z.object({
  remaining: z.record(z.string(), z.record(z.string(), z.number().int())),
  enqueued_any: z.record(z.string(), z.record(z.string(), z.boolean())),
  ready: z.array(z.string()),
  triggered: z.record(z.string(), z.array(z.string())),
});

export class GraphFlow extends BaseGroupChat {
  readonly provider = 'autogen_agentchat.teams.GraphFlow';
  readonly graph: DiGraph;
  private remaining: Record<string, Record<string, number>> = {};
  private enqueuedAny: Record<string, Record<string, boolean>> = {};
  private ready: string[] = [];
  /** Which activation groups made each node ready, reset when it speaks. */
  private triggered: Record<string, Set<string>> = {};

  constructor(options: GraphFlowOptions) {
    super({ ...options, emitTeamEvents: false });
    const { graph, hasCycles } = checkDiGraph(options.graph);
    const names = new Set(this.participants.map((p) => p.name));
    for (const node of Object.keys(graph.nodes)) {
      if (!names.has(node)) throw new ConfigError(`config.graph.nodes.${node}`, `"${node}" is not the name of a participant`);
    }
    if (hasCycles && !this.termination && this.maxTurns === null) {
      throw new ConfigError('config.termination_condition', 'A termination condition is required for cyclic graphs without a maximum turn limit.');
    }
    this.graph = graph;
    this.resetSelector();
  }

  protected async selectSpeaker(): Promise<string> {
    throw new RunStateError('GraphFlow selects its speakers together');
  }

  /** Every ready node, in the order it became ready (AgentChat drains its ready queue). */
  protected override async selectSpeakers(): Promise<string[]> {
    const speakers = this.ready;
    this.ready = [];
    for (const speaker of speakers) this.resetTriggered(speaker);
    return speakers;
  }

  /** AgentChat's update_message_thread: the node that spoke activates the targets of its edges that hold. */
  protected override afterTurn(_speaker: string, delta: readonly AgentMessage[]): void {
    const message = delta.at(-1);
    if (!message || !this.graph.nodes[message.source]) return;
    const text = messageToText(message);
    for (const edge of this.graph.nodes[message.source]!.edges) {
      if (edge.condition !== null && !text.includes(edge.condition)) continue;
      const { target, activation_group: group } = edge;
      if (edge.activation_condition === 'all') {
        const left = (this.remaining[target]![group] ?? 0) - 1;
        this.remaining[target]![group] = left;
        if (left === 0) this.activate(target, group);
      } else if (!this.enqueuedAny[target]![group]) {
        this.enqueuedAny[target]![group] = true;
        this.activate(target, group);
      }
    }
  }

  protected override ownStopReason(): string | null {
    if (this.ready.length > 0) return null;
    // The graph ran to its end: the next run starts from the start nodes again.
    this.resetSelector();
    return DIGRAPH_STOP_MESSAGE;
  }

  protected override resetSelector(): void {
    this.remaining = remainingMap(this.graph);
    this.enqueuedAny = Object.fromEntries(
      Object.entries(this.remaining).map(([t, groups]) => [t, Object.fromEntries(Object.keys(groups).map((g) => [g, false]))]),
    );
    this.ready = startNodes(this.graph);
    this.triggered = {};
  }

  protected override saveSelectorState(): Record<string, unknown> {
    return {
      remaining: structuredClone(this.remaining),
      enqueued_any: structuredClone(this.enqueuedAny),
      ready: [...this.ready],
      triggered: Object.fromEntries(Object.entries(this.triggered).map(([n, groups]) => [n, [...groups]])),
    };
  }

  protected override loadSelectorState(state: Record<string, unknown>): void {
    const parsed = GraphStateSchema.safeParse(state);
    if (!parsed.success) throw new RunStateError('selector_state is not a GraphFlow state (remaining, enqueued_any, ready, triggered)');
    const unknownNode = parsed.data.ready.find((n) => !this.graph.nodes[n]);
    if (unknownNode) throw new RunStateError(`selector_state.ready names "${unknownNode}", which is not a node of this graph`);
    this.remaining = parsed.data.remaining;
    this.enqueuedAny = parsed.data.enqueued_any;
    this.ready = parsed.data.ready;
    this.triggered = Object.fromEntries(Object.entries(parsed.data.triggered).map(([n, groups]) => [n, new Set(groups)]));
  }

  toConfig(): Record<string, unknown> {
    const base = this.baseConfig();
    const config: Record<string, unknown> = {};
    for (const key of ['name', 'description', 'participants', 'termination_condition', 'max_turns']) if (key in base) config[key] = base[key];
    config.graph = structuredClone(this.graph);
    return config;
  }

  private activate(target: string, group: string): void {
    this.ready.push(target);
    (this.triggered[target] ??= new Set()).add(group);
  }

  /** The groups that made `speaker` ready start counting again (AgentChat's _reset_triggered_activation_groups). */
  private resetTriggered(speaker: string): void {
    for (const group of this.triggered[speaker] ?? []) {
      const activation = this.graph.nodes[speaker] && this.conditionOf(speaker, group);
      if (activation === 'any') this.enqueuedAny[speaker]![group] = false;
      else this.remaining[speaker]![group] = remainingMap(this.graph)[speaker]![group]!;
    }
    delete this.triggered[speaker];
  }

  private conditionOf(target: string, group: string): 'all' | 'any' {
    for (const node of Object.values(this.graph.nodes)) {
      const edge = node.edges.find((e) => e.target === target && e.activation_group === group);
      if (edge) return edge.activation_condition;
    }
    return 'all';
  }
}
