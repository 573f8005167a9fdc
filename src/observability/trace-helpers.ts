/**
 * Span helpers for the Nest layer's own work (database writes) and the run telemetry it hands the
 * engine. Kept apart from tracing.ts, which main.ts loads before anything else.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { runSpanContext, type RunTelemetry } from '../engine/index.js';

/**
 * Runs `write` inside a span `db.write {name}` (a database write batch: one transaction of the run
 * journal), with `db.operation.batch.size` when given. Returns what `write` returns; a failure
 * is recorded on the span and rethrown. With `teamstream.run.id` of a live run the span is a child
 * of the run's span, whatever span is active where the write is made (the run's frames are written
 * from the front end's loop, which runs in the context of the frame or request that started the
 * run). A no-op wrapper when tracing is off.
 */
export function tracedWrite<T>(name: string, write: () => Promise<T>, attributes: Attributes = {}): Promise<T> {
  const tracer = trace.getTracer('teamstream.server');
  // A write for a live run joins the run's trace under its span, wherever it is called from.
  const runId = attributes['teamstream.run.id'];
  const run = typeof runId === 'string' || typeof runId === 'number' ? runSpanContext(runId) : undefined;
  const parent = run ? trace.setSpanContext(context.active(), run) : context.active();
  return tracer.startActiveSpan(`db.write ${name}`, { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
    try {
      return await write();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setAttribute('error.type', failure.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** What the run span records of a saved run: its id, session, owner (hashed by the engine) and the team config's label. */
export function runTelemetry(run: { id: number; sessionId: number; userId: string }, component: unknown): RunTelemetry {
  const label = typeof component === 'object' && component !== null ? (component as { label?: unknown }).label : undefined;
  return { runId: run.id, sessionId: run.sessionId, userId: run.userId, ...(typeof label === 'string' && label !== '' ? { teamLabel: label } : {}) };
}
