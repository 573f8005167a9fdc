/**
 * One OpenTelemetry span per client frame a socket front end handles (the run socket, /ws/chat,
 * the MCP playground socket). HTTP is traced by @opentelemetry/instrumentation-http, but there is
 * no kept instrumentation for `ws`, so the socket layer makes its own spans, all here. A span
 * covers one frame's handling, never the socket's life: a socket can stay open for hours, and a
 * span that long would reach the collector only when it closes.
 *
 * Span `<frame type> <route>` (e.g. `start /api/ws/runs/:id`), kind SERVER, attributes
 * `network.protocol.name` `websocket`, `url.path` the route template (never the socket's real
 * path, whose ids may be capabilities such as an MCP session id, nor its query, which carries
 * `?token=`), `teamstream.run.id` when the frame is about a run, and `error.type` (the refusal's
 * kind, e.g. `bad_request`) with status ERROR when the frame is refused or fails. Work the frame
 * starts runs in the span's context: a `start` frame's span is the parent of the run's span.
 * With tracing off every call is a no-op.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('teamstream.server');

/** What the handler tells the span about the frame it is handling. */
export interface FrameSpan {
  /** The frame's type, once known (`start`, `input_response`, `task`…): the span becomes `<type> <route>`. Use only a fixed set of names. */
  type(type: string): void;
  /** The run the frame is about (`teamstream.run.id`). */
  runId(id: number | string): void;
  /** The frame was refused or failed: `error.type` is `kind` (an AppError kind, or an error's name), the status ERROR with `message`. */
  fail(kind: string, message?: string): void;
}

/**
 * Runs `handle` for one frame received on a socket of `route` (the gateway's path template) inside
 * its span, and ends the span when `handle` returns, or when the promise it returns settles. What
 * `handle` returns or throws is passed on; a throw (or rejection) also marks the span failed.
 */
export function traceFrame<T>(route: string, handle: (frame: FrameSpan) => T): T {
  let type = 'frame';
  const span = tracer.startSpan(`${type} ${route}`, {
    kind: SpanKind.SERVER,
    attributes: { 'network.protocol.name': 'websocket', 'url.path': route },
  });
  const frame: FrameSpan = {
    type: (name) => {
      type = name;
      span.updateName(`${type} ${route}`);
    },
    runId: (id) => span.setAttribute('teamstream.run.id', String(id)),
    fail: (kind, message) => markFailed(span, kind, message),
  };
  const thrown = (error: unknown) => {
    markFailed(span, error instanceof Error ? error.name || 'Error' : 'Error', error instanceof Error ? error.message : String(error));
    span.end();
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(context.active(), span), () => handle(frame));
  } catch (error) {
    thrown(error);
    throw error;
  }
  if (result instanceof Promise) {
    result.then(
      () => span.end(),
      (error: unknown) => thrown(error),
    );
  } else {
    span.end();
  }
  return result;
}

function markFailed(span: Span, kind: string, message?: string): void {
  span.setAttribute('error.type', kind);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
}
