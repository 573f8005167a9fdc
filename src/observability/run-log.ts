/**
 * Log lines about a run carry its id as the `run_id` field (Prometheus/Loki-style label, and
 * the field the run socket's frames use). Passed to a Nest Logger as the message object, which
 * PinoNestLogger turns into fields: `{"level":"WARN","context":"TeamManager","run_id":7,"msg":"…"}`.
 * While the run's span is open (tracing on) the line also carries that span's `trace_id` and
 * `span_id`, wherever it is logged from (the pino mixin would otherwise give the ids of whatever
 * span is active there, or none).
 */
import { runSpanContext } from '../engine/index.js';

export interface RunLogLine {
  msg: string;
  run_id: number | string;
  trace_id?: string;
  span_id?: string;
}

/** The log line `msg` about run `runId`. */
export function runLine(runId: number | string, msg: string): RunLogLine {
  const span = runSpanContext(runId);
  return span ? { msg, run_id: runId, trace_id: span.traceId, span_id: span.spanId } : { msg, run_id: runId };
}
