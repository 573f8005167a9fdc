/**
 * The run span (one per `driveTeam`) and the human-input wait spans inside it.
 */
import { createHash } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, type SpanContext } from '@opentelemetry/api';
import type { InputOptions, IOStream } from '../io/io-stream.js';
import { recordFailure, tracer, iterateInSpan } from './tracer.js';

/** What the caller knows about a run that the engine does not; every field optional. */
export interface RunTelemetry {
  /** The run's id (`teamstream.run.id`). */
  runId?: number | string;
  /** The session the run belongs to (`session.id`). */
  sessionId?: number | string;
  /** The team's label, as the team config names it (`teamstream.team.label`; also the span name). */
  teamLabel?: string;
  /** The run owner's user id: only its SHA-256 (first 16 hex digits) is recorded, as `user.hash`. */
  userId?: string;
  /** Which of the host's front ends started the run (`teamstream.front_end`, e.g. `run_socket`). */
  frontEnd?: string;
}

/** The parts of a run outcome the span records. */
interface OutcomeEvent {
  type: string;
  outcome?: { status: string; stopReason?: string | null; usage?: { prompt_tokens: number; completion_tokens: number } };
}

/** The span context of each live run's span, by run id, while the span is open. */
const liveRunSpans = new Map<string, SpanContext>();

/**
 * The span context of the live run `runId`, for work done for the run outside its event stream
 * (the journal's database writes) to join the run's trace as children of its span; undefined once
 * the run span has ended, or when tracing is off.
 */
export function runSpanContext(runId: number | string): SpanContext | undefined {
  return liveRunSpans.get(String(runId));
}

/** `user.hash`: a stable pseudonym of a user id (SHA-256, first 16 hex digits), never the id itself. */
export function hashUserId(userId: string): string {
  return createHash('sha256').update(userId).digest('hex').slice(0, 16);
}

/**
 * Wraps a run's event stream in the span `run {team label}` (or `run`): it is started now, as a
 * child of the active context, is the parent of everything the run does, and ends with the run,
 * carrying `teamstream.run.status` and `teamstream.run.stop_reason` from its `outcome` event (an
 * `error` outcome also sets the span's status to ERROR).
 */
export function traceRun<E extends OutcomeEvent>(
  run: AsyncIterable<E, void, undefined>,
  info: RunTelemetry = {},
): AsyncGenerator<E, void, undefined> {
  const span = tracer.startSpan(info.teamLabel ? `run ${info.teamLabel}` : 'run', { kind: SpanKind.INTERNAL }, context.active());
  const runKey = info.runId === undefined ? undefined : String(info.runId);
  if (runKey !== undefined) {
    span.setAttribute('teamstream.run.id', runKey);
    if (span.isRecording()) liveRunSpans.set(runKey, span.spanContext());
  }
  if (info.sessionId !== undefined) span.setAttribute('session.id', String(info.sessionId));
  if (info.teamLabel) span.setAttribute('teamstream.team.label', info.teamLabel);
  if (info.userId) span.setAttribute('user.hash', hashUserId(info.userId));
  if (info.frontEnd) span.setAttribute('teamstream.front_end', info.frontEnd);
  const forget = () => {
    if (runKey !== undefined && liveRunSpans.get(runKey) === span.spanContext()) liveRunSpans.delete(runKey);
  };
  return iterateInSpan(
    span,
    run,
    (event) => {
      if (event.type !== 'outcome' || !event.outcome) return;
      const { status, stopReason, usage } = event.outcome;
      span.setAttribute('teamstream.run.status', status);
      if (stopReason) span.setAttribute('teamstream.run.stop_reason', stopReason);
      if (usage) {
        span.setAttribute('gen_ai.usage.input_tokens', usage.prompt_tokens);
        span.setAttribute('gen_ai.usage.output_tokens', usage.completion_tokens);
      }
      if (status === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: stopReason ?? 'error' });
    },
    undefined,
    forget,
  );
}

/**
 * The IOStream with each `input` call inside a span `human_input {source}` (attribute
 * `teamstream.input.source`), whose duration is how long the run waited for a human. Neither the
 * prompt nor the answer is recorded.
 */
export function traceInput(io: IOStream): IOStream {
  return {
    print: (...objects) => io.print(...objects),
    send: (event) => io.send(event),
    input: (prompt: string, options: InputOptions = {}) => {
      const source = options.source ?? 'user_proxy';
      return tracer.startActiveSpan(`human_input ${source}`, { attributes: { 'teamstream.input.source': source } }, async (span) => {
        try {
          return await io.input(prompt, options);
        } catch (error) {
          recordFailure(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  };
}
