/**
 * The engine's one tracer and the small helpers every span site shares. Only `@opentelemetry/api`
 * is used here: with no SDK registered (the default) every call is a no-op, so tracing costs
 * nothing until the Nest layer starts the Node SDK (src/observability/tracing.ts).
 */
import { context, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/** Instrumentation scope of every engine span. */
export const tracer = trace.getTracer('teamstream.engine');

/**
 * Whether prompts, completions, tool arguments and tool results go on spans: only when
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` (the GenAI instrumentations' switch;
 * read at each span, so a test may flip it). Keys and headers are never recorded.
 */
export function captureContent(): boolean {
  return process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === 'true';
}

/** Marks `span` failed with `error` (`error.type` as the semantic conventions name it) without ending it. */
export function recordFailure(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setAttribute('error.type', failure.name || 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}

/**
 * An async iterable whose every step runs with `span` active, and which ends `span` exactly once:
 * when the source is done, throws, or its consumer stops early (`return()`). An async generator
 * resumes in the context of whoever calls `next()`, so the span is put back at each step; model
 * and tool calls made inside get it as their parent. `onItem` sees every item before it is passed
 * on, `onDone` runs before the span ends when the source finished without error, `onEnd` after it ends in any case.
 */
export function iterateInSpan<T, R>(
  span: Span,
  source: AsyncIterable<T, R, undefined>,
  onItem?: (item: T) => void,
  onDone?: () => void,
  onEnd?: () => void,
): AsyncGenerator<T, R, undefined> {
  const ctx: Context = trace.setSpan(context.active(), span);
  let iterator: AsyncIterator<T, R, undefined> | undefined;
  let ended = false;
  const end = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    if (error !== undefined) recordFailure(span, error);
    else onDone?.();
    span.end();
    onEnd?.();
  };
  const step = async (run: (it: AsyncIterator<T, R, undefined>) => Promise<IteratorResult<T, R>>): Promise<IteratorResult<T, R>> => {
    try {
      const result = await context.with(ctx, () => run((iterator ??= source[Symbol.asyncIterator]())));
      if (result.done) end();
      else onItem?.(result.value);
      return result;
    } catch (error) {
      end(error);
      throw error;
    }
  };
  const generator: AsyncGenerator<T, R, undefined> = {
    next: () => step((it) => it.next()),
    return: async (value) => {
      try {
        return await step((it) => (it.return ? it.return(value) : Promise.resolve({ done: true, value: value as R })));
      } finally {
        end();
      }
    },
    throw: (error) => step((it) => (it.throw ? it.throw(error) : Promise.reject(error as Error))),
    [Symbol.asyncIterator]: () => generator,
  };
  return generator;
}
