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

/** AGS's LLMCallEventMessage (source `llm_call_event`), whose `content` is AgentChat's LLMCallEvent as JSON. */
const LLM_CALL_TYPE = 'LLMCallEventMessage';

/** The parts of AgentChat's LLMCallEvent a step shows; null when the content is not one. */
interface LlmCall {
  agent_id?: string;
  prompt_tokens?: number;
  completion_tokens?: number;
  response?: { content?: unknown };
}

function llmCallOf(message: AgentMessage): LlmCall | null {
  if (message.type !== LLM_CALL_TYPE || typeof message.content !== 'string') return null;
  try {
    const call = JSON.parse(message.content) as unknown;
    return call && typeof call === 'object' ? (call as LlmCall) : null;
  } catch {
    return null;
  }
}

function timeOf(frame: RunFrame): number | null {
  const iso = (frame.type === 'message' ? frame.data.created_at : undefined) ?? frame.timestamp;
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

function usageOf(message: AgentMessage): Pick<Step, 'prompt_tokens' | 'completion_tokens' | 'cost'> {
  // An LLM call event carries its tokens inside its JSON content (AgentChat's LLMCallEvent), never a cost.
  const source = (message.models_usage ?? llmCallOf(message) ?? {}) as Record<string, unknown>;
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
    case LLM_CALL_TYPE: {
      const answer = llmCallOf(message)?.response?.content;
      return {
        kind: 'llm_call',
        text: answer === undefined ? 'Model call' : `Answered: ${typeof answer === 'string' ? answer : JSON.stringify(answer)}`,
      };
    }
    default:
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
      // An LLM call is the calling agent's step (its event's source is AGS's `llm_call_event`).
      const who = llmCallOf(frame.data)?.agent_id ?? frame.data.source;
      if (described) step = { seq: frame.seq ?? 0, who, ...described, ...usageOf(frame.data), message: frame.data };
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
  // LLM call events repeat the tokens of the message they produced: counted once, from messages.
  const counted = steps.filter((s) => s.kind !== 'llm_call');
  const costs = counted.filter((s) => typeof s.cost === 'number');
  return {
    prompt_tokens: counted.reduce((n, s) => n + (s.prompt_tokens ?? 0), 0),
    completion_tokens: counted.reduce((n, s) => n + (s.completion_tokens ?? 0), 0),
    // Summed in 1e-10 USD steps (the server's rounding), so 0.00045 + 0.0009 reads 0.00135.
    cost: costs.length ? Math.round(costs.reduce((n, s) => n + (s.cost ?? 0), 0) * 1e10) / 1e10 : null,
    duration: steps.length ? steps[steps.length - 1]!.at : 0,
  };
}
