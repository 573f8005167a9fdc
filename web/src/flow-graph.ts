/**
 * The agent flow of one run: who handed off to whom, and who spoke after whom (in a group chat
 * every message goes to all, so the turn passing from one speaker to the next is the flow),
 * drawn as a small SVG by hand: speakers on a circle, one arrow per pair with its count.
 * Fed message by message, so it grows live during a run and step by step in a replay.
 */
import type { AgentMessage } from './types.js';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 260;

interface Edge {
  from: string;
  to: string;
  kind: 'handoff' | 'turn';
  count: number;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Chat messages move the turn; events (tool calls, chunks, input waits…) do not. */
export const isChatMessage = (message: AgentMessage): boolean => !message.type.endsWith('Event');

export class FlowGraph {
  readonly element: SVGSVGElement;
  private nodes: string[] = [];
  private edges: Edge[] = [];
  private last: string | null = null;

  constructor(label: string) {
    this.element = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, class: 'flow-graph', role: 'img', 'aria-label': label });
  }

  reset(agents: string[] = []): void {
    this.nodes = [...agents];
    this.edges = [];
    this.last = null;
    this.draw();
  }

  add(message: AgentMessage): void {
    if (!isChatMessage(message)) return;
    this.node(message.source);
    if (this.last && this.last !== message.source) this.edge(this.last, message.source, 'turn');
    this.last = message.source;
    if (message.type === 'HandoffMessage' && message.target) this.edge(message.source, message.target, 'handoff');
    this.draw();
  }

  /** The edges as text, for the accessible description and the tests: `a → b (hand-off ×1)`. */
  describe(): string[] {
    return this.edges.map((e) => `${e.from} → ${e.to} (${e.kind === 'handoff' ? 'hand-off' : 'turn'} ×${e.count})`);
  }

  private node(name: string): void {
    if (!this.nodes.includes(name)) this.nodes.push(name);
  }

  private edge(from: string, to: string, kind: Edge['kind']): void {
    this.node(to);
    const found = this.edges.find((e) => e.from === from && e.to === to && e.kind === kind);
    if (found) found.count += 1;
    else this.edges.push({ from, to, kind, count: 1 });
  }

  private draw(): void {
    const r = SIZE / 2 - 40;
    const at = new Map(
      this.nodes.map((name, i) => {
        const angle = (2 * Math.PI * i) / Math.max(1, this.nodes.length) - Math.PI / 2;
        return [name, { x: SIZE / 2 + r * Math.cos(angle), y: SIZE / 2 + r * Math.sin(angle) }] as const;
      }),
    );
    const defs = svg('defs', {});
    for (const kind of ['turn', 'handoff']) {
      const marker = svg('marker', {
        id: `arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 6,
        markerHeight: 6,
        orient: 'auto-start-reverse',
      });
      marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrow-${kind}` }));
      defs.append(marker);
    }
    const children: SVGElement[] = [defs];
    for (const edge of this.edges) {
      const a = at.get(edge.from)!;
      const b = at.get(edge.to)!;
      // Bend each arrow a little to its side, so a→b and b→a do not overlap.
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      const bend = edge.kind === 'handoff' ? 28 : 16;
      const cx = (a.x + b.x) / 2 - (dy / len) * bend;
      const cy = (a.y + b.y) / 2 + (dx / len) * bend;
      // Stop short of the node circles (radius 18).
      const end = (p: { x: number; y: number }, q: { x: number; y: number }) => {
        const l = Math.hypot(q.x - p.x, q.y - p.y) || 1;
        return { x: p.x + ((q.x - p.x) / l) * 20, y: p.y + ((q.y - p.y) / l) * 20 };
      };
      const s = end(a, { x: cx, y: cy });
      const t = end(b, { x: cx, y: cy });
      const group = svg('g', { class: `flow-edge ${edge.kind}`, 'data-from': edge.from, 'data-to': edge.to });
      group.append(svg('title', {}, `${edge.from} → ${edge.to}: ${edge.kind === 'handoff' ? 'hand-off' : 'next turn'} ×${edge.count}`));
      group.append(svg('path', { d: `M${s.x},${s.y} Q${cx},${cy} ${t.x},${t.y}`, 'marker-end': `url(#arrow-${edge.kind})` }));
      if (edge.count > 1) group.append(svg('text', { x: cx, y: cy, 'text-anchor': 'middle' }, `×${edge.count}`));
      children.push(group);
    }
    for (const [name, p] of at) {
      const group = svg('g', { class: 'flow-node', 'data-agent': name });
      group.append(svg('circle', { cx: p.x, cy: p.y, r: 18 }));
      group.append(svg('text', { x: p.x, y: p.y + 32, 'text-anchor': 'middle' }, name.length > 16 ? `${name.slice(0, 15)}…` : name));
      children.push(group);
    }
    this.element.replaceChildren(...children);
    this.element.setAttribute('aria-description', this.describe().join('; ') || 'No turns yet');
  }
}
