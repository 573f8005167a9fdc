/**
 * Conditions that fire on a count, a budget, a clock or an outside signal.
 * Stop-reason texts are AgentChat's.
 */
import { isChatMessage, type AgentMessage, type StopMessage } from '../messages.js';
import { LeafCondition } from './termination-condition.js';

/** Fires once `max_messages` messages have been seen (chat messages only, unless `includeAgentEvent`). */
export class MaxMessageTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.MaxMessageTermination';
  private count = 0;

  constructor(
    readonly maxMessages: number,
    readonly includeAgentEvent = false,
  ) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    this.count += messages.filter((m) => this.includeAgentEvent || isChatMessage(m)).length;
    if (this.count >= this.maxMessages) {
      return this.stop(`Maximum number of messages ${this.maxMessages} reached, current message count: ${this.count}`);
    }
    return null;
  }

  override reset(): void {
    super.reset();
    this.count = 0;
  }

  toConfig(): Record<string, unknown> {
    return { max_messages: this.maxMessages, include_agent_event: this.includeAgentEvent };
  }
}

export interface TokenLimits {
  max_total_token?: number | null;
  max_prompt_token?: number | null;
  max_completion_token?: number | null;
}

/** Fires once the `models_usage` seen reaches any of the limits. */
export class TokenUsageTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.TokenUsageTermination';
  private prompt = 0;
  private completion = 0;

  constructor(readonly limits: TokenLimits) {
    super();
  }

  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (!message.models_usage) continue;
      this.prompt += message.models_usage.prompt_tokens;
      this.completion += message.models_usage.completion_tokens;
    }
    const total = this.prompt + this.completion;
    const { max_total_token: maxTotal, max_prompt_token: maxPrompt, max_completion_token: maxCompletion } = this.limits;
    const reached =
      (maxTotal != null && total >= maxTotal) ||
      (maxPrompt != null && this.prompt >= maxPrompt) ||
      (maxCompletion != null && this.completion >= maxCompletion);
    if (!reached) return null;
    return this.stop(
      `Token usage limit reached, total token count: ${total}, prompt token count: ${this.prompt}, completion token count: ${this.completion}.`,
    );
  }

  override reset(): void {
    super.reset();
    this.prompt = 0;
    this.completion = 0;
  }

  toConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const key of ['max_total_token', 'max_prompt_token', 'max_completion_token'] as const) {
      if (this.limits[key] != null) config[key] = this.limits[key];
    }
    return config;
  }
}

/** Fires at the first check once `timeout_seconds` have passed since the run started. */
export class TimeoutTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.TimeoutTermination';
  private startedAt = performance.now();

  constructor(
    readonly timeoutSeconds: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    this.startedAt = this.now();
  }

  override onRunStart(): void {
    this.startedAt = this.now();
  }

  protected evaluate(): StopMessage | null {
    if ((this.now() - this.startedAt) / 1000 >= this.timeoutSeconds) {
      return this.stop(`Timeout of ${this.timeoutSeconds} seconds reached`);
    }
    return null;
  }

  override reset(): void {
    super.reset();
    this.startedAt = this.now();
  }

  toConfig(): Record<string, unknown> {
    return { timeout_seconds: this.timeoutSeconds };
  }
}

/** Fires at the next check after `set()` was called from outside the team. */
export class ExternalTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.ExternalTermination';
  private requested = false;

  /** Asks the team to stop after the current step. */
  set(): void {
    this.requested = true;
  }

  protected evaluate(): StopMessage | null {
    return this.requested ? this.stop('External termination requested') : null;
  }

  override reset(): void {
    super.reset();
    this.requested = false;
  }

  toConfig(): Record<string, unknown> {
    return {};
  }
}
