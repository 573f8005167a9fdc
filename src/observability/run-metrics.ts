/**
 * The run pipeline's Prometheus metrics (names in README, "Operating it"). Every front end's runs
 * report to RUN_METRICS through ObservedRuns (runs finished, input waits) and the engine observer
 * (model and tool calls); frames and viewers are the run socket's (src/runs/). RUN_METRICS is
 * always provided: with METRICS off it is a no-op, so callers never check. Model and tool calls arrive through the engine's EngineObserver hooks
 * (LoadContext.observer), so the engine itself never imports prom-client.
 *
 * Rates (frames per second, calls per second) are PromQL's job: `rate(teamstream_run_frames_total[1m])`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EngineObserver, ModelCallObservation, ToolCallObservation } from '../engine/index.js';
import { METRIC_PREFIX } from './metrics.js';

export const RUN_METRICS = Symbol('RUN_METRICS');

/** Latency buckets in seconds: model calls take 0.1 s to minutes. */
const CALL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Latency buckets in seconds for a database transaction. */
const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** What the run pipeline reports. Every method is cheap and never throws. */
export interface RunMetrics extends EngineObserver {
  /** A run started by `frontEnd` (ObservedRuns' FrontEnd: a fixed set) reached its terminal status (`complete`, `stopped`, `error`). */
  runFinished(status: string, frontEnd: string): void;
  /** A run emitted a frame of this `type` (message, message_chunk, input_request, result, completion…). */
  frameEmitted(type: string): void;
  viewerAttached(): void;
  viewerDetached(): void;
  /** A run started waiting for human input; call the returned function once the wait ends (answered or not). */
  inputWaitStarted(): () => void;
  /** One run-journal write batch (one transaction, retries included), in seconds. */
  databaseWrite(seconds: number): void;
}

/** RUN_METRICS with METRICS off. */
export const NO_RUN_METRICS: RunMetrics = {
  runFinished: () => undefined,
  frameEmitted: () => undefined,
  viewerAttached: () => undefined,
  viewerDetached: () => undefined,
  inputWaitStarted: () => () => undefined,
  databaseWrite: () => undefined,
};

/** The run pipeline's metrics, registered in `registry`. */
export function createRunMetrics(registry: Registry): RunMetrics {
  const registers = [registry];
  const runsFinished = new Counter({
    name: `${METRIC_PREFIX}runs_finished_total`,
    help: 'Runs that reached a terminal status, by status (complete, stopped, error) and front end (run_socket, ws_chat, chat_completions, validate)',
    labelNames: ['status', 'front_end'],
    registers,
  });
  const frames = new Counter({
    name: `${METRIC_PREFIX}run_frames_total`,
    help: 'Frames run-socket runs emitted (before fan-out to viewers), by frame type; frames per second is rate() of this',
    labelNames: ['type'],
    registers,
  });
  const viewers = new Gauge({ name: `${METRIC_PREFIX}viewers`, help: 'Run-socket viewers connected to a run now', registers });
  const modelDuration = new Histogram({
    name: `${METRIC_PREFIX}model_call_duration_seconds`,
    help: 'Model call latency (whole call, streamed ones to their last chunk), by provider and model',
    labelNames: ['provider', 'model'],
    buckets: CALL_BUCKETS,
    registers,
  });
  const modelErrors = new Counter({
    name: `${METRIC_PREFIX}model_call_errors_total`,
    help: 'Model calls that failed (or were cancelled), by provider and model',
    labelNames: ['provider', 'model'],
    registers,
  });
  const tokens = new Counter({
    name: `${METRIC_PREFIX}model_tokens_total`,
    help: 'Tokens the models reported, by model and kind (prompt, completion)',
    labelNames: ['model', 'kind'],
    registers,
  });
  const toolDuration = new Histogram({
    name: `${METRIC_PREFIX}tool_call_duration_seconds`,
    help: 'Tool call latency, by tool',
    labelNames: ['tool'],
    buckets: CALL_BUCKETS,
    registers,
  });
  const toolErrors = new Counter({
    name: `${METRIC_PREFIX}tool_call_errors_total`,
    help: 'Tool calls that threw or returned an error result, by tool',
    labelNames: ['tool'],
    registers,
  });
  const inputWaits = new Counter({ name: `${METRIC_PREFIX}input_waits_total`, help: 'Human input requests runs made (every front end)', registers });
  const inputWaiting = new Gauge({ name: `${METRIC_PREFIX}input_waiting`, help: 'Human input requests waiting for an answer now', registers });
  const dbWrite = new Histogram({
    name: `${METRIC_PREFIX}db_write_duration_seconds`,
    help: 'Run-journal write batches (one transaction each, retries included)',
    buckets: DB_BUCKETS,
    registers,
  });
  return {
    runFinished: (status, frontEnd) => runsFinished.inc({ status, front_end: frontEnd }),
    frameEmitted: (type) => frames.inc({ type }),
    viewerAttached: () => viewers.inc(),
    viewerDetached: () => viewers.dec(),
    inputWaitStarted: () => {
      inputWaits.inc();
      inputWaiting.inc();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inputWaiting.dec();
      };
    },
    databaseWrite: (seconds) => dbWrite.observe(seconds),
    onModelCall: (o: ModelCallObservation) => {
      const labels = { provider: o.provider, model: o.model };
      modelDuration.observe(labels, o.ms / 1000);
      if (o.error !== undefined) modelErrors.inc(labels);
      if (o.usage) {
        tokens.inc({ model: o.model, kind: 'prompt' }, o.usage.prompt_tokens);
        tokens.inc({ model: o.model, kind: 'completion' }, o.usage.completion_tokens);
      }
    },
    onToolCall: (o: ToolCallObservation) => {
      toolDuration.observe({ tool: o.tool }, o.ms / 1000);
      if (o.error) toolErrors.inc({ tool: o.tool });
    },
  };
}
