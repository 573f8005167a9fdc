/**
 * FunctionCallTermination: fires when a tool of a given name has been executed (AgentChat's
 * condition of that name; the stop reason is its text, `Function '<name>' was executed.`).
 */
import type { AgentMessage, StopMessage } from '../messages.js';
import { LeafCondition } from './termination-condition.js';

export class FunctionCallTermination extends LeafCondition {
  readonly provider = 'autogen_agentchat.conditions.FunctionCallTermination';

  constructor(readonly functionName: string) {
    super();
  }

  /** Looks only at ToolCallExecutionEvents: the call has to have run, not just been asked for. */
  protected evaluate(messages: readonly AgentMessage[]): StopMessage | null {
    for (const message of messages) {
      if (message.type !== 'ToolCallExecutionEvent') continue;
      if (message.content.some((result) => result.name === this.functionName)) return this.stop(`Function '${this.functionName}' was executed.`);
    }
    return null;
  }

  toConfig(): Record<string, unknown> {
    return { function_name: this.functionName };
  }
}
