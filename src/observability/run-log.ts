/**
 * Log lines about a run carry its id as the `run_id` field (Prometheus/Loki-style label, and
 * the field the run socket's frames use). Passed to a Nest Logger as the message object, which
 * PinoNestLogger turns into fields: `{"level":"WARN","context":"TeamManager","run_id":7,"msg":"…"}`.
 */
export interface RunLogLine {
  msg: string;
  run_id: number | string;
}

/** The log line `msg` about run `runId`. */
export function runLine(runId: number | string, msg: string): RunLogLine {
  return { msg, run_id: runId };
}
