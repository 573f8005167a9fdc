/**
 * The Timeline view: one run's log as a list of steps (timeline-model.ts) with a scrubber. The
 * scrubber shows the run up to a step; Play replays it at the pace it streamed (the gaps between
 * the log's timestamps, each capped at MAX_GAP_MS so a long input wait does not stall the replay).
 * The agent flow graph beside it follows the scrubber. LLM call events are listed only when the
 * user's setting `show_llm_call_events` is on; cost only when the usage carries one.
 */
import { api } from './api.js';
import { h } from './dom.js';
import { formatDuration } from './format.js';
import { FlowGraph } from './flow-graph.js';
import { buildSteps, totals, type Step } from './timeline-model.js';

const MAX_GAP_MS = 2000;

const KIND_LABEL: Record<Step['kind'], string> = {
  message: 'spoke',
  tool_call: 'tool call',
  tool_result: 'tool result',
  handoff: 'hand-off',
  input: 'input wait',
  llm_call: 'LLM call',
  end: 'end',
};

const seconds = (ms: number) => formatDuration(ms / 1000);
/** A cost in the usage's unit (USD), to at most 6 decimals, trailing zeros dropped. */
const money = (cost: number) => `$${Number(cost.toFixed(6))}`;

export class TimelineView {
  private steps: Step[] = [];
  private items: HTMLElement[] = [];
  private timer = 0;
  private readonly flow = new FlowGraph('Agent flow up to the current step');
  private readonly heading = h('h2', { id: 'timeline-heading' }, 'Run timeline');
  private readonly summary = h('p', { id: 'timeline-summary' });
  private readonly scrubber = h('input', {
    type: 'range',
    id: 'timeline-scrubber',
    min: 0,
    max: 0,
    value: 0,
    'aria-label': 'Replay position (steps shown)',
  });
  private readonly position = h('span', { id: 'timeline-position', role: 'status', 'aria-live': 'polite' });
  private readonly play = h('button', { type: 'button', id: 'timeline-play', class: 'small' }, 'Play');
  private readonly list = h('ol', { class: 'steps', id: 'timeline-steps' });

  constructor(root: HTMLElement, back: () => void) {
    this.scrubber.addEventListener('input', () => {
      this.pause();
      this.seek(Number(this.scrubber.value));
    });
    this.play.addEventListener('click', () => (this.timer ? this.pause() : this.start()));
    root.append(
      h(
        'div',
        { class: 'view-head' },
        this.heading,
        h('button', { type: 'button', class: 'small', id: 'timeline-back', onclick: back }, 'Back to the playground'),
      ),
      this.summary,
      h('div', { class: 'timeline-controls' }, this.play, this.scrubber, this.position),
      h(
        'div',
        { class: 'timeline-body' },
        this.list,
        h('figure', { class: 'flow' }, this.flow.element, h('figcaption', { class: 'muted' }, 'Agent flow')),
      ),
    );
  }

  async open(runId: number): Promise<void> {
    this.pause();
    this.heading.textContent = `Run #${runId} timeline`;
    this.list.replaceChildren(h('li', { class: 'muted' }, 'Loading the log…'));
    const [frames, settings] = await Promise.all([api.runEvents(runId), api.settings().catch(() => null)]);
    const showLlm = settings?.config.ui.show_llm_call_events ?? false;
    const all = buildSteps(frames);
    this.steps = showLlm ? all : all.filter((s) => s.kind !== 'llm_call');
    const sum = totals(this.steps);
    const facts = [
      `${this.steps.length} steps`,
      `${seconds(sum.duration)}`,
      `${sum.prompt_tokens + sum.completion_tokens} tokens (${sum.prompt_tokens} prompt, ${sum.completion_tokens} completion)`,
      sum.cost !== null ? `cost ${money(sum.cost)}` : null,
      !showLlm && all.length > this.steps.length ? `${all.length - this.steps.length} LLM call events hidden (Settings: show LLM call events)` : null,
    ];
    this.summary.textContent = facts.filter(Boolean).join(' · ');
    this.items = this.steps.map((step, i) => this.item(step, i));
    this.list.replaceChildren(...this.items);
    this.scrubber.max = String(this.steps.length);
    this.seek(this.steps.length);
  }

  private item(step: Step, index: number): HTMLElement {
    const tokens =
      step.prompt_tokens !== undefined || step.completion_tokens !== undefined
        ? `${(step.prompt_tokens ?? 0) + (step.completion_tokens ?? 0)} tokens`
        : null;
    const facts = [`+${seconds(step.took)}`, tokens, step.cost !== undefined ? money(step.cost) : null].filter(Boolean).join(' · ');
    return h(
      'li',
      { class: 'step', 'data-kind': step.kind, 'data-index': index },
      h('span', { class: 'muted' }, seconds(step.at)),
      h('div', { class: 'step-text' }, h('strong', {}, `${step.who} · ${KIND_LABEL[step.kind]}`), h('br'), step.text),
      h('span', { class: 'step-facts muted' }, facts),
    );
  }

  /** Shows the first `count` steps. */
  private seek(count: number): void {
    this.scrubber.value = String(count);
    this.flow.reset();
    this.items.forEach((item, i) => {
      item.classList.toggle('future', i >= count);
      item.classList.toggle('current', i === count - 1);
      const message = this.steps[i]?.message;
      if (i < count && message) this.flow.add(message);
    });
    const current = this.steps[count - 1];
    this.position.textContent = `Step ${count} of ${this.steps.length}${current ? ` · ${seconds(current.at)}` : ''}`;
    this.items[count - 1]?.scrollIntoView({ block: 'nearest' });
  }

  private start(): void {
    let at = Number(this.scrubber.value);
    if (at >= this.steps.length) at = 0;
    this.seek(at);
    this.play.textContent = 'Pause';
    const next = () => {
      const step = this.steps[at];
      if (!step) return this.pause();
      this.timer = window.setTimeout(
        () => {
          at += 1;
          this.seek(at);
          next();
        },
        Math.min(MAX_GAP_MS, step.took),
      );
    };
    next();
  }

  private pause(): void {
    window.clearTimeout(this.timer);
    this.timer = 0;
    this.play.textContent = 'Play';
  }
}
