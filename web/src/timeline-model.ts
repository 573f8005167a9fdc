/**
 * A run's durable log (GET /api/runs/:id/events) as steps: who spoke, tool calls and their
 * results, hand-offs, input waits, LLM calls, and the end, each with its time (from the log's
 * timestamps: a message's `created_at`, else the frame's `timestamp`), the time since the step
 * before, and its tokens and cost when the usage carries them. Streamed chunks are not steps:
 * the final message they build is.
 */
import { contentText, formatDuration } from './format.js';
import type { AgentMessage, RunFrame, ToolCall, ToolResult } from './types.js';

export type StepKind = 'message' | 'tool_call' | 'tool_result' | 'handoff' | 'input' | 'llm_call' | 'end';

export interface Step {
  seq: number;
  kind: StepKind;
  who: string;
  /** What the step says, plain text. */
  text: string;
  /** Milliseconds since the run's first frame. */
  at: number;
  /** Milliseconds since the step before (0 for the first). */
  took: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  /** In the usage's currency unit (USD on this server), only when the usage carries `cost`. */
  cost?: number;
  /** The chat message, for the flow graph (absent on input waits and the end). */
  message?: AgentMessage;
}

const LLM_CALL_TYPES = new Set(['LLMCallEvent', 'LLMStreamEndEvent']);

function timeOf(frame: RunFrame): number | null {
  const iso = (frame.type === 'message' ? frame.data.created_at : undefined) ?? frame.timestamp;
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

function usageOf(message: AgentMessage): Pick<Step, 'prompt_tokens' | 'completion_tokens' | 'cost'> {
  const usage = message.models_usage as (Record<string, unknown> & object) | null | undefined;
  // LLMCallEvent carries its tokens at the top level (AgentChat's LLMCallEvent).
  const source = usage ?? (message as unknown as Record<string, unknown>);
  const out: Pick<Step, 'prompt_tokens' | 'completion_tokens' | 'cost'> = {};
  if (typeof source.prompt_tokens === 'number') out.prompt_tokens = source.prompt_tokens;
  if (typeof source.completion_tokens === 'number') out.completion_tokens = source.completion_tokens;
  if (typeof source.cost === 'number') out.cost = source.cost;
  return out;
}

function describeMessage(message: AgentMessage): Pick<Step, 'kind' | 'text'> | null {
  switch (message.type) {
    case 'ModelClientStreamingChunkEvent':
    case 'UserInputRequestedEvent': // the input_request frame is the step
      return null;
    case 'ToolCallRequestEvent': {
      const calls = Array.isArray(message.content) ? (message.content as ToolCall[]) : [];
      return { kind: 'tool_call', text: calls.map((c) => `${c.name}(${c.arguments})`).join('\n') };
    }
    case 'ToolCallExecutionEvent': {
      const results = Array.isArray(message.content) ? (message.content as ToolResult[]) : [];
      return { kind: 'tool_result', text: results.map((r) => `${r.name ?? r.call_id}${r.is_error ? ' (error)' : ''}: ${r.content}`).join('\n') };
    }
    case 'HandoffMessage':
      return { kind: 'handoff', text: `Hand-off to ${message.target ?? '?'}: ${contentText(message.content)}` };
    default:
      if (LLM_CALL_TYPES.has(message.type)) return { kind: 'llm_call', text: `${message.type}` };
      return { kind: 'message', text: contentText(message.content) };
  }
}

export function buildSteps(frames: RunFrame[]): Step[] {
  const steps: Step[] = [];
  let start: number | null = null;
  let last = 0;
  for (const frame of frames) {
    const time = timeOf(frame);
    if (time !== null && start === null) start = time;
    const at = time !== null && start !== null ? time - start : last;
    let step: Omit<Step, 'at' | 'took'> | null = null;
    if (frame.type === 'message') {
      const described = describeMessage(frame.data);
      if (described) step = { seq: frame.seq ?? 0, who: frame.data.source, ...described, ...usageOf(frame.data), message: frame.data };
    } else if (frame.type === 'input_request') {
      step = { seq: frame.seq ?? 0, kind: 'input', who: frame.source ?? 'user', text: `Waits for input: ${frame.prompt}` };
    } else if (frame.type === 'result' || frame.type === 'completion') {
      const reason = frame.data.task_result?.stop_reason;
      const status = frame.type === 'result' ? 'complete' : frame.status;
      const duration = typeof frame.data.duration === 'number' ? ` after ${formatDuration(frame.data.duration)}` : '';
      step = { seq: frame.seq ?? 0, kind: 'end', who: 'run', text: `Run ${status}${duration}${reason ? `: ${reason}` : ''}` };
    }
    if (!step) continue;
    steps.push({ ...step, at, took: steps.length ? Math.max(0, at - last) : 0 });
    last = at;
  }
  return steps;
}

export interface Totals {
  prompt_tokens: number;
  completion_tokens: number;
  /** Null when no step's usage carries a cost. */
  cost: number | null;
  /** Milliseconds from the first step to the last. */
  duration: number;
}

export function totals(steps: Step[]): Totals {
  const costs = steps.filter((s) => typeof s.cost === 'number');
  // LLM call events repeat the tokens of the message they produced: counted once, from messages.
  const counted = steps.filter((s) => s.kind !== 'llm_call');
  return {
    prompt_tokens: counted.reduce((n, s) => n + (s.prompt_tokens ?? 0), 0),
    completion_tokens: counted.reduce((n, s) => n + (s.completion_tokens ?? 0), 0),
    cost: costs.length ? costs.filter((s) => s.kind !== 'llm_call').reduce((n, s) => n + (s.cost ?? 0), 0) : null,
    duration: steps.length ? steps[steps.length - 1]!.at : 0,
  };
}
