/**
 * Termination conditions (AgentChat's TerminationCondition). A team checks its condition with the
 * messages and events of each step (the task, then each agent turn); the first StopMessage ends
 * the run and its content is the run's stop_reason. `or`/`and` compose conditions.
 */
import { RunStateError } from '../errors.js';
import { createMessage, type AgentMessage, type StopMessage } from '../messages.js';
import type { Configurable } from '../components/component-model.js';
import { dumpComponent } from '../components/dump.js';

export abstract class TerminationCondition implements Configurable {
  readonly componentType = 'termination' as const;
  abstract readonly provider: string;

  /** Whether the condition has fired and not been reset since. */
  abstract get terminated(): boolean;

  /**
   * Looks at the messages of one step. Returns the StopMessage when the condition fires.
   * Calling it again after it fired, without `reset()`, is a RunStateError (AgentChat's
   * TerminatedException), whichever composite it sits in.
   */
  check(messages: readonly AgentMessage[]): StopMessage | null {
    if (this.terminated) throw new RunStateError('The termination condition has already been reached; reset it first');
    return this.evaluate(messages);
  }

  protected abstract evaluate(messages: readonly AgentMessage[]): StopMessage | null;

  /** Forgets everything seen, so the condition can be used for another run. */
  abstract reset(): void;

  /** Called by the team when a run starts (TimeoutTermination measures from here). */
  onRunStart(): void {}

  abstract toConfig(): Record<string, unknown>;

  /** Fires when any of these fires (AgentChat's `|`). */
  or(...others: TerminationCondition[]): OrTerminationCondition {
    return new OrTerminationCondition([this, ...others]);
  }

  /** Fires when all of these have fired (AgentChat's `&`). */
  and(...others: TerminationCondition[]): AndTerminationCondition {
    return new AndTerminationCondition([this, ...others]);
  }
}

/** Shared state of the simple conditions: fired once, until reset. */
export abstract class LeafCondition extends TerminationCondition {
  protected fired = false;

  get terminated(): boolean {
    return this.fired;
  }

  reset(): void {
    this.fired = false;
  }

  protected stop(content: string): StopMessage {
    this.fired = true;
    return createMessage('StopMessage', this.constructor.name, { content });
  }
}

function joinStops(stops: StopMessage[]): StopMessage {
  return createMessage('StopMessage', stops.map((s) => s.source).join(', '), {
    content: stops.map((s) => s.content).join(', '),
  });
}

/** Fires as soon as any of its conditions fires; the stop reasons of all that fired together are joined with `, `. */
export class OrTerminationCondition extends TerminationCondition {
  readonly provider = 'autogen_agentchat.base.OrTerminationCondition';

  constructor(readonly conditions: readonly TerminationCondition[]) {
    super();
  }

  get terminated(): boolean {
    return this.conditions.some((c) => c.terminated);
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    const stops = this.conditions.map((c) => c.check(messages)).filter((s): s is StopMessage => s !== null);
    return stops.length > 0 ? joinStops(stops) : null;
  }

  reset(): void {
    for (const c of this.conditions) c.reset();
  }

  override onRunStart(): void {
    for (const c of this.conditions) c.onRunStart();
  }

  toConfig(): Record<string, unknown> {
    return { conditions: this.conditions.map((c) => dumpComponent(c)) };
  }
}

/** Fires once every one of its conditions has fired (possibly at different steps). */
export class AndTerminationCondition extends TerminationCondition {
  readonly provider = 'autogen_agentchat.base.AndTerminationCondition';
  private stops: StopMessage[] = [];

  constructor(readonly conditions: readonly TerminationCondition[]) {
    super();
  }

  get terminated(): boolean {
    return this.conditions.every((c) => c.terminated);
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const c of this.conditions) {
      if (c.terminated) continue;
      const stop = c.check(messages);
      if (stop) this.stops.push(stop);
    }
    return this.terminated ? joinStops(this.stops) : null;
  }

  reset(): void {
    for (const c of this.conditions) c.reset();
    this.stops = [];
  }

  override onRunStart(): void {
    for (const c of this.conditions) c.onRunStart();
  }

  toConfig(): Record<string, unknown> {
    return { conditions: this.conditions.map((c) => dumpComponent(c)) };
  }
}

/** Every condition in a tree, composites included (used to find HandoffTermination targets). */
export function flattenConditions(condition: TerminationCondition | undefined): TerminationCondition[] {
  if (!condition) return [];
  if (condition instanceof OrTerminationCondition || condition instanceof AndTerminationCondition) {
    return [condition, ...condition.conditions.flatMap((c) => flattenConditions(c))];
  }
  return [condition];
}
