/** The engine's tracing: spans through `@opentelemetry/api` only (no SDK here; see src/observability/tracing.ts). */
export { captureContent, iterateInSpan, recordFailure, tracer } from './tracer.js';
export { hashUserId, runSpanContext, traceInput, traceRun, type RunTelemetry } from './run-span.js';
export { traceAgentTurn, traceModelClient, traceToolCall, type ModelTarget } from './genai-spans.js';
export { withTraceContext } from './propagation.js';
