/**
 * Every WebSocket frame of protocol §1.4–1.5 and §2.2–2.3: the zod union that client frames are
 * parsed against, and builders for the server's frames, so keys and their order live in one place.
 */
import { z } from 'zod';
import {
  AGENT_MESSAGE_TYPES,
  type AgentMessage,
  type ModelClientStreamingChunkEvent,
  type RequestUsage,
  type RunCost,
  type TaskResult,
} from '../engine/index.js';

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

/**
 * The wire shape every AgentChat message and event shares (protocol §1.7): the common fields and
 * `type`, with each type's own fields allowed. The full per-type shapes are the engine's
 * TypeScript types (`AgentMessage`), which are interfaces, not zod; the cast below lets the frame
 * types keep the engine's precision while the schema documents (and checks) the common part.
 * `satisfies`-style checks at the end of this file make the compiler refuse a drift between the two.
 */
const RequestUsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  /** USD, when the reporting model has a price (README: Cost). */
  cost: z.number().optional(),
});
const agentMessageShape = {
  id: z.string(),
  source: z.string(),
  models_usage: RequestUsageSchema.nullable(),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  type: z.enum(AGENT_MESSAGE_TYPES),
};
const chunkShape = {
  ...agentMessageShape,
  content: z.string(),
  full_message_id: z.string(),
  type: z.literal('ModelClientStreamingChunkEvent'),
};
export const AgentMessageWireSchema = z
  .looseObject(agentMessageShape)
  .meta({ id: 'AgentMessage', description: 'An AgentChat message or event (protocol §1.7); `type` is its class name.' });
export const ChunkWireSchema = z
  .looseObject(chunkShape)
  .meta({ id: 'ModelClientStreamingChunkEvent', description: 'A piece of a streamed model answer.' });
const AgentMessageSchema = AgentMessageWireSchema as unknown as z.ZodType<AgentMessage>;
const ChunkSchema = ChunkWireSchema as unknown as z.ZodType<ModelClientStreamingChunkEvent>;

/** AGS's TeamResult, with real usage (protocol §2.5). */
/** AG2's cost summary: `total_cost` (USD) and per model name `{cost, prompt_tokens, completion_tokens, total_tokens}`. */
const CostSummarySchema = z
  .object({ total_cost: z.number() })
  .catchall(
    z.union([z.number(), z.object({ cost: z.number(), prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })]),
  );
export const TeamResultSchema = z
  .object({
    task_result: z.object({ messages: z.array(AgentMessageSchema), stop_reason: z.string().nullable() }),
    usage: RequestUsageSchema,
    /** USD, as AG2's run completion reports it (README: Cost); only when some call's model has a price. */
    cost: z.object({ usage_including_cached_inference: CostSummarySchema, usage_excluding_cached_inference: CostSummarySchema }).optional(),
    /** Seconds the run took. */
    duration: z.number(),
  })
  .meta({ id: 'TeamResult' });
export type TeamResult = z.infer<typeof TeamResultSchema>;

export interface InputRequestInfo {
  request_id: string;
  source: string;
  prompt: string;
  timeout_at: string;
}

export const MessageFrameBodySchema = z.object({ type: z.literal('message'), data: AgentMessageSchema });
export const MessageChunkFrameBodySchema = z.object({ type: z.literal('message_chunk'), data: ChunkSchema });
export const InputRequestFrameBodySchema = z.object({
  type: z.literal('input_request'),
  prompt: z.string(),
  data: z.object({ source: z.literal('system'), content: z.string() }),
  timestamp: z.string(),
  request_id: z.string(),
  source: z.string(),
  /** ISO time after which the request times out. */
  timeout_at: z.string(),
});
export const ResultFrameBodySchema = z.object({ type: z.literal('result'), status: z.literal('complete'), data: TeamResultSchema });
export const CompletionFrameBodySchema = z.object({
  type: z.literal('completion'),
  status: z.enum(['cancelled', 'error']),
  data: TeamResultSchema,
  timestamp: z.string(),
});

/** A frame that belongs to a run, before the run's `run_id` and `seq` are stamped on it. */
export const RunFrameBodySchema = z.discriminatedUnion('type', [
  MessageFrameBodySchema,
  MessageChunkFrameBodySchema,
  InputRequestFrameBodySchema,
  ResultFrameBodySchema,
  CompletionFrameBodySchema,
]);
export type RunFrameBody = z.infer<typeof RunFrameBodySchema>;

/** What every stored run frame carries besides its body: the run and its 1-based sequence number. */
const RunStamp = { run_id: z.number().int().positive(), seq: z.number().int().positive() };
/** The run frames as sent, one schema per type (the AsyncAPI document names each). */
export const RunFrameSchemas = {
  message: MessageFrameBodySchema.extend(RunStamp),
  message_chunk: MessageChunkFrameBodySchema.extend(RunStamp),
  input_request: InputRequestFrameBodySchema.extend(RunStamp),
  result: ResultFrameBodySchema.extend(RunStamp),
  completion: CompletionFrameBodySchema.extend(RunStamp),
} as const;
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
export const GapFrameSchema = z.object({
  type: z.literal('gap'),
  run_id: z.number().int().positive(),
  from: z.number().int().positive(),
  to: z.number().int().positive(),
  seq: z.number().int().positive(),
});
export type GapFrame = z.infer<typeof GapFrameSchema>;

/** What a viewer of a run receives: the run's frames, and on replay gap frames between them. */
export type ReplayFrame = RunFrame | GapFrame;

/** Frames of the socket itself, not of the run (never stored, no seq). */
export const SystemFrameSchema = z.object({ type: z.literal('system'), status: z.literal('connected'), timestamp: z.string() });
export const PongFrameSchema = z.object({ type: z.literal('pong'), timestamp: z.string() });
/** A protocol problem with a client frame; the socket stays open. */
export const ErrorFrameSchema = z.object({ type: z.literal('error'), error: z.string(), timestamp: z.string() });

export function isTerminalFrame(frame: RunFrameBody): boolean {
  return frame.type === 'result' || frame.type === 'completion';
}

const now = (): string => new Date().toISOString();

export const frames = {
  connected: (): z.infer<typeof SystemFrameSchema> => ({ type: 'system', status: 'connected', timestamp: now() }),
  pong: (): z.infer<typeof PongFrameSchema> => ({ type: 'pong', timestamp: now() }),
  error: (error: string): z.infer<typeof ErrorFrameSchema> => ({ type: 'error', error, timestamp: now() }),
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

// Compile-time guards that the wire schemas above and the engine's types agree: every engine
// message is an instance of the documented common shape, and TeamResult's task_result is the
// engine's TaskResult. A change on either side that breaks this fails `tsc`.
type Assert<T extends true> = T;
export type _WireChecks = [
  Assert<AgentMessage extends z.infer<z.ZodObject<typeof agentMessageShape>> ? true : false>,
  Assert<ModelClientStreamingChunkEvent extends z.infer<z.ZodObject<typeof chunkShape>> ? true : false>,
  Assert<TeamResult['task_result'] extends TaskResult ? (TaskResult extends TeamResult['task_result'] ? true : false) : false>,
  Assert<TeamResult['usage'] extends RequestUsage ? true : false>,
  Assert<RunCost extends NonNullable<TeamResult['cost']> ? true : false>,
];
