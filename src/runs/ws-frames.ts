/**
 * Every WebSocket frame of protocol §1.4–1.5 and §2.2–2.3: the zod union that client frames are
 * parsed against, and builders for the server's frames, so keys and their order live in one place.
 */
import { z } from 'zod';
import type { AgentMessage, ModelClientStreamingChunkEvent, RequestUsage, RunCost, TaskResult } from '../engine/index.js';

const FileSchema = z.object({
  name: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  content: z.string(),
});
export type UploadedFile = z.infer<typeof FileSchema>;

/** Extra keys are allowed (future AGS front-ends may add some); the known ones are checked. */
export const StartFrameSchema = z.looseObject({
  type: z.literal('start'),
  task: z.string().optional().nullable(),
  files: z.array(FileSchema).optional().nullable(),
  team_config: z.unknown().optional(),
  /** What closing the last viewer does to the run: detach (it goes on) or stop (at once); absent: the server's RUN_ON_DISCONNECT. */
  on_disconnect: z.enum(['detach', 'stop']).optional(),
  /** Seconds a human has to answer an input request in this run. */
  input_timeout_s: z.number().positive().max(86_400).optional(),
});
export type StartFrame = z.infer<typeof StartFrameSchema>;

export const ClientFrameSchema = z.discriminatedUnion('type', [
  StartFrameSchema,
  z.looseObject({ type: z.literal('stop'), reason: z.string().max(1000).optional(), code: z.number().optional() }),
  z.looseObject({ type: z.literal('input_response'), response: z.string(), request_id: z.string().optional() }),
  z.looseObject({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

export const DEFAULT_STOP_REASON = 'User requested stop/cancellation';

/** AGS's TeamResult, with real usage (protocol §2.5). */
export interface TeamResult {
  task_result: TaskResult;
  usage: RequestUsage;
  /** USD, as AG2's run completion reports it (README: Cost); only when some call's model has a price. */
  cost?: RunCost;
  duration: number;
}

export interface InputRequestInfo {
  request_id: string;
  source: string;
  prompt: string;
  timeout_at: string;
}

/** A frame that belongs to a run, before the run's `run_id` and `seq` are stamped on it. */
export type RunFrameBody =
  | { type: 'message'; data: AgentMessage }
  | { type: 'message_chunk'; data: ModelClientStreamingChunkEvent }
  | {
      type: 'input_request';
      prompt: string;
      data: { source: 'system'; content: string };
      timestamp: string;
      request_id: string;
      source: string;
      timeout_at: string;
    }
  | { type: 'result'; status: 'complete'; data: TeamResult }
  | { type: 'completion'; status: 'cancelled' | 'error'; data: TeamResult; timestamp: string };

export type RunFrame = RunFrameBody & { run_id: number; seq: number };
export type RunFrameType = RunFrameBody['type'];

/**
 * Sent on replay in place of seqs `from`..`to` (inclusive) that have no stored frame: chunks that
 * were sent but lost in a crash before their batch was written, chunks compacted away once their
 * turn's message was stored (the message follows), or seqs a crashed run had reserved (see
 * LiveRun), so `to - from + 1` is an upper bound on what is missing. Never stored.
 * It carries `seq` = `to`: a client that resumes with `?after=<last seq it got>` (or SSE
 * `Last-Event-ID`) then resumes past the hole, and no frame will ever have that seq.
 */
export interface GapFrame {
  type: 'gap';
  run_id: number;
  from: number;
  to: number;
  seq: number;
}

/** What a viewer of a run receives: the run's frames, and on replay gap frames between them. */
export type ReplayFrame = RunFrame | GapFrame;

export function isTerminalFrame(frame: RunFrameBody): boolean {
  return frame.type === 'result' || frame.type === 'completion';
}

const now = (): string => new Date().toISOString();

export const frames = {
  connected: () => ({ type: 'system', status: 'connected', timestamp: now() }) as const,
  pong: () => ({ type: 'pong', timestamp: now() }) as const,
  error: (error: string) => ({ type: 'error', error, timestamp: now() }) as const,
  message: (data: AgentMessage): RunFrameBody =>
    data.type === 'ModelClientStreamingChunkEvent' ? { type: 'message_chunk', data } : { type: 'message', data },
  inputRequest: (info: InputRequestInfo): RunFrameBody => ({
    type: 'input_request',
    prompt: info.prompt,
    data: { source: 'system', content: info.prompt },
    timestamp: now(),
    request_id: info.request_id,
    source: info.source,
    timeout_at: info.timeout_at,
  }),
  result: (data: TeamResult): RunFrameBody => ({ type: 'result', status: 'complete', data }),
  completion: (status: 'cancelled' | 'error', data: TeamResult): RunFrameBody => ({
    type: 'completion',
    status,
    data,
    timestamp: now(),
  }),
  gap: (runId: number, from: number, to: number): GapFrame => ({ type: 'gap', run_id: runId, from, to, seq: to }),
};

/** Names the first problem of a frame that failed to parse, e.g. `input_response.response: …`. */
export function describeFrameError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid frame';
  if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type') {
    return `Unknown frame type; expected one of start, stop, input_response, ping`;
  }
  const where = issue.path.length ? issue.path.join('.') : '(frame)';
  return `Invalid frame: ${where}: ${issue.message}`;
}
